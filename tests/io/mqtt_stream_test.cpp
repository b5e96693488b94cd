// mqtt_stream against a real mosquitto broker on 127.0.0.1 (started by the test). The
// reference is the list of messages the test published; batches run on a manual clock,
// the only waits are for the broker (bounded by deadlines).
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <rill/io/mqtt_receiver.hpp>
#include <rill/rill.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "dstream/stream_test_support.hpp"
#include "io/mosquitto_broker.hpp"

namespace rill::test {
namespace {

using namespace std::chrono_literals;

// What the output saw, in order, shared with the foreach_rdd callback.
struct MqttCollected {
  std::mutex mutex;
  std::vector<MqttMessage> messages;
  std::size_t size() {
    std::lock_guard lock(mutex);
    return messages.size();
  }
  std::vector<MqttMessage> copy() {
    std::lock_guard lock(mutex);
    return messages;
  }
};

void collect_into(DStream<MqttMessage> stream, std::shared_ptr<MqttCollected> out) {
  stream.foreach_rdd([out](const Rdd<MqttMessage>& rdd, Time) {
    auto batch = rdd.collect();
    std::lock_guard lock(out->mutex);
    out->messages.insert(out->messages.end(), batch.begin(), batch.end());
  });
}

// Runs batches on the manual clock until pred() holds; false after the deadline.
template <class Pred>
bool run_batches_until(StreamingContext& ssc, ManualClock& clock, Duration interval, Pred pred,
                       std::chrono::seconds timeout = 30s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    clock.advance(interval);
    ssc.await_batch_completed(clock.now());
    std::this_thread::sleep_for(2ms);  // the broker's side: nothing to wait on but time
  }
  return true;
}

struct ReceiverErrors : StreamingListener {
  std::mutex mutex;
  std::vector<std::string> errors;
  void on_receiver_error(const ReceiverInfo& info) override {
    std::lock_guard lock(mutex);
    errors.push_back(info.last_error);
  }
  std::size_t containing(const std::string& what) {
    std::lock_guard lock(mutex);
    std::size_t n = 0;
    for (auto& e : errors) n += e.find(what) != std::string::npos;
    return n;
  }
};

// A started stream of one MqttReceiver on a manual clock, with its output and errors.
struct MqttRun {
  MqttRun(const std::string& uri, const std::string& topic, int qos, MqttOptions options = {})
      : ctx(Config{.parallelism = 1}),
        clock(std::make_shared<ManualClock>()),
        ssc(ctx, 100ms, clock) {
    ssc.add_listener(errors);
    auto owned = std::make_unique<detail::MqttReceiver>(uri, topic, qos, std::move(options));
    receiver = owned.get();
    collect_into(ssc.receiver_stream(std::move(owned)), out);
    ssc.start();
  }
  template <class Pred>
  bool until(Pred pred) {
    return run_batches_until(ssc, *clock, 100ms, pred);
  }

  ReceiverErrors errors;  // outlives ssc, which reports to it
  Context ctx;
  std::shared_ptr<ManualClock> clock;
  StreamingContext ssc;
  std::shared_ptr<MqttCollected> out = std::make_shared<MqttCollected>();
  detail::MqttReceiver* receiver = nullptr;
};

// Payloads of every kind the transport must keep byte for byte.
std::string payload_for(int i) {
  switch (i % 5) {
    case 0:
      return "reading " + std::to_string(i);
    case 1:
      return std::string("\xff\xfe bad utf-8 \xc3", 15) + std::to_string(i);
    case 2:
      return std::string("nul\0inside", 10) + std::to_string(i);
    case 3:
      return std::string(static_cast<std::size_t>(i % 3000), 'x') + std::to_string(i);
    default:
      return "{\"n\":" + std::to_string(i) + "}";
  }
}

TEST(MqttStream, BadUriTopicQosAndOptionsAreInvalidArgumentNamingTheValue) {
  Context ctx(Config{.parallelism = 1});
  StreamingContext ssc(ctx, 100ms, std::make_shared<ManualClock>());
  auto expect_bad = [&](const std::string& uri, const std::string& topic, int qos,
                        const std::string& named, MqttOptions options = {}) {
    try {
      ssc.mqtt_stream(uri, topic, qos, options);
      ADD_FAILURE() << "accepted " << uri << " " << topic << " " << qos;
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(named), std::string::npos) << e.what();
    }
  };
  expect_bad("127.0.0.1:1883", "t", 1, "127.0.0.1:1883");
  expect_bad("mqtts://h:8883", "t", 1, "'mqtts'");
  expect_bad("ws://h", "t", 1, "'ws'");
  expect_bad("mqtt://:1883", "t", 1, "no host");
  expect_bad("mqtt://h:0", "t", 1, "'0'");
  expect_bad("mqtt://h:70000", "t", 1, "'70000'");
  expect_bad("mqtt://h:12ab", "t", 1, "'12ab'");
  expect_bad("mqtt://h:", "t", 1, "empty port");
  expect_bad("mqtt://h:1883/path", "t", 1, "path");
  expect_bad("mqtt://[::1", "t", 1, "'['");
  expect_bad("mqtt://h", "t", 3, "qos 3");
  expect_bad("mqtt://h", "t", -1, "qos -1");
  expect_bad("mqtt://h", "", 1, "topic filter ''");
  expect_bad("mqtt://h", "a/#/b", 1, "'a/#/b'");
  expect_bad("mqtt://h", "a+/b", 1, "'a+/b'");
  expect_bad("mqtt://h", std::string("bad\xff", 4), 1, "topic filter");
  expect_bad("mqtt://h", "t", 1, "keepalive_seconds 2", MqttOptions{.keepalive_seconds = 2});
  expect_bad("mqtt://h", "t", 1, "max_block_messages 0", MqttOptions{.max_block_messages = 0});

  detail::MqttReceiver ok("tcp://[::1]:1884/", "sensors/+/temp", 2);
  EXPECT_EQ(ok.broker().host, "::1");
  EXPECT_EQ(ok.broker().port, 1884);
  EXPECT_EQ(detail::MqttUri::parse("mqtt://broker.local").port, 1883);
  // The default client id is stable (a restarted job resumes its session) and per topic.
  EXPECT_EQ(ok.client_id(),
            detail::MqttReceiver("tcp://[::1]:1884/", "sensors/+/temp", 2).client_id());
  EXPECT_NE(ok.client_id(), detail::MqttReceiver("tcp://[::1]:1884/", "sensors/#", 2).client_id());
}

TEST(MqttStream, EveryPublishedMessageArrivesAsPublished) {
  MosquittoBroker broker;
  Context ctx(Config{.parallelism = 2});
  auto clock = std::make_shared<ManualClock>();
  StreamingContext ssc(ctx, 100ms, clock);
  auto out = std::make_shared<MqttCollected>();
  collect_into(ssc.mqtt_stream(broker.uri(), "sensors/#", 1), out);
  ssc.start();

  // The receiver's subscription must exist before publishing (no retained messages here).
  MqttPublisher pub(broker.port());
  ASSERT_TRUE(run_batches_until(ssc, *clock, 100ms, [&] {
    pub.publish("sensors/probe", "probe", 1);
    return out->size() > 0;
  }));
  const auto before =
      std::chrono::duration_cast<Time>(std::chrono::system_clock::now().time_since_epoch());
  std::vector<MqttMessage> reference;
  for (int i = 0; i < 3000; ++i) {
    MqttMessage m{.topic = "sensors/" + std::to_string(i % 3), .payload = payload_for(i), .qos = 1};
    pub.publish(m.topic, m.payload, 1);
    reference.push_back(std::move(m));
  }
  pub.wait_acked();
  // A probe published after the first arrived may still come, before the data.
  auto data = [&] {
    std::vector<MqttMessage> d = out->copy();
    std::erase_if(d, [](const MqttMessage& m) { return m.topic == "sensors/probe"; });
    return d;
  };
  ASSERT_TRUE(run_batches_until(ssc, *clock, 100ms, [&] { return data().size() >= 3000; }))
      << data().size() << " of 3000";
  const auto after =
      std::chrono::duration_cast<Time>(std::chrono::system_clock::now().time_since_epoch());
  ssc.stop();

  auto got = data();
  ASSERT_EQ(got.size(), reference.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    EXPECT_GE(got[i].arrival, before);
    EXPECT_LE(got[i].arrival, after);
    got[i].arrival = Time{0};
    // One publisher, one subscriber: MQTT keeps the order.
    ASSERT_EQ(got[i], reference[i]) << "message " << i;
  }
}

// The broker goes away mid-stream (QoS 1, persistent session, write-ahead log): the
// receiver reconnects, the broker delivers what it queued for the session, nothing is
// lost. Duplicates are allowed (at-least-once) and counted.
TEST(MqttStream, Qos1LosesNothingAcrossABrokerRestart) {
  MosquittoBroker broker;
  TempDir dir;
  Context ctx(Config{.parallelism = 2, .receiver_max_rate = 4000, .write_ahead_log = true});
  auto clock = std::make_shared<ManualClock>();
  auto out = std::make_shared<MqttCollected>();
  ReceiverErrors errors;
  detail::MqttReceiver* receiver = nullptr;
  auto ssc = StreamingContext::get_or_create(dir.str(), [&] {
    StreamingContext s(ctx, 100ms, clock);
    auto owned = std::make_unique<detail::MqttReceiver>(
        broker.uri(), "plant/#", 1, MqttOptions{.initial_backoff = 20ms, .max_backoff = 200ms});
    receiver = owned.get();
    collect_into(s.receiver_stream(std::move(owned)), out);
    return s;
  });
  ssc.add_listener(errors);
  ssc.start();
  ASSERT_TRUE(
      run_batches_until(ssc, *clock, 100ms, [&] { return receiver->subscriptions() >= 1; }));

  constexpr int kMessages = 2000;
  {
    MqttPublisher pub(broker.port());
    for (int i = 0; i < kMessages / 2; ++i) pub.publish("plant/line", std::to_string(i), 1);
    pub.wait_acked();
  }
  // The rate cap keeps most of the first half queued at the broker when it stops.
  ASSERT_TRUE(run_batches_until(ssc, *clock, 100ms, [&] { return out->size() >= 100; }));
  broker.stop();
  const auto at_stop = out->size();
  ASSERT_TRUE(run_batches_until(ssc, *clock, 100ms, [&] { return errors.containing("lost") > 0; }));
  std::this_thread::sleep_for(300ms);  // a few failed reconnects
  broker.start();
  {
    MqttPublisher pub(broker.port());
    for (int i = kMessages / 2; i < kMessages; ++i) pub.publish("plant/line", std::to_string(i), 1);
    pub.wait_acked();
  }
  std::map<std::string, int> seen;
  ASSERT_TRUE(run_batches_until(
      ssc, *clock, 100ms,
      [&] {
        seen.clear();
        for (auto& m : out->copy()) ++seen[m.payload];
        return seen.size() >= static_cast<std::size_t>(kMessages);
      },
      60s))
      << seen.size() << " distinct of " << kMessages << "; " << broker.log();
  ssc.stop();

  int duplicates = 0;
  for (int i = 0; i < kMessages; ++i) {
    const auto it = seen.find(std::to_string(i));
    ASSERT_NE(it, seen.end()) << "lost message " << i;
    duplicates += it->second - 1;
  }
  EXPECT_EQ(seen.size(), static_cast<std::size_t>(kMessages));
  EXPECT_LT(at_stop, static_cast<std::size_t>(kMessages / 2)) << "the broker stopped mid-stream";
  EXPECT_GE(receiver->reconnects(), 1u);
  EXPECT_GE(receiver->connection_losses(), 1u);
  RecordProperty("duplicates", duplicates);
  std::cout << "broker restart: " << at_stop << " received before the stop, " << duplicates
            << " duplicates, " << receiver->failed_connects() << " failed reconnects\n";
}

// A sink whose first store() blocks until release(): the receiver sits inside store()
// with a block, as it does while the write-ahead log syncs.
struct BlockingSink : detail::ReceiverSink<MqttMessage> {
  std::mutex mutex;
  std::condition_variable cv;
  std::vector<MqttMessage> first_block;
  bool released = false;

  void store(MqttMessage m) override { store(std::vector<MqttMessage>{std::move(m)}); }
  void store(std::vector<MqttMessage> block) override {
    std::unique_lock lock(mutex);
    if (!first_block.empty()) return;
    first_block = std::move(block);
    cv.notify_all();
    cv.wait(lock, [&] { return released; });
  }
  void restart(const std::string&) override {}
  void report_error(const std::string&) override {}

  std::vector<MqttMessage> wait_first_block() {
    std::unique_lock lock(mutex);
    cv.wait_for(lock, 10s, [&] { return !first_block.empty(); });
    return first_block;
  }
  void release() {
    std::lock_guard lock(mutex);
    released = true;
    cv.notify_all();
  }
};

// Connects as client_id to its persistent session (the broker drops the client that had
// it) and returns the payloads the broker delivers: what it queued and what it had sent
// and not had acknowledged. Stops at n payloads or after 10 s.
std::set<std::string> take_over_session(int port, const std::string& client_id, std::size_t n) {
  std::set<std::string> got;
  mosquitto* m = mosquitto_new(client_id.c_str(), false, &got);
  mosquitto_message_callback_set(m, [](mosquitto*, void* out, const mosquitto_message* msg) {
    static_cast<std::set<std::string>*>(out)->emplace(static_cast<const char*>(msg->payload),
                                                      static_cast<std::size_t>(msg->payloadlen));
  });
  int rc = mosquitto_connect(m, "127.0.0.1", port, 30);
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (rc == MOSQ_ERR_SUCCESS && got.size() < n && std::chrono::steady_clock::now() < deadline)
    rc = mosquitto_loop(m, 10, 1);
  mosquitto_disconnect(m);
  mosquitto_loop(m, 10, 1);
  mosquitto_destroy(m);
  return got;
}

// QoS 1 messages are acknowledged only once the block holding them is stored (with the
// write-ahead log: durable): while store() blocks, the broker still counts them as
// unacknowledged, so when the connection dies then (here: the session taken over; in
// production: a kill -9) it delivers them again.
TEST(MqttStream, Qos1IsAcknowledgedOnlyAfterStoreReturned) {
  MosquittoBroker broker;
  const std::string id = "rill-test-ack-after-store";
  detail::MqttReceiver receiver(broker.uri(), "acks", 1, MqttOptions{.client_id = id});
  BlockingSink sink;
  receiver.attach(&sink);
  receiver.set_stopped(false);
  std::thread thread([&] { receiver.on_start(); });
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (receiver.subscriptions() == 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(2ms);
  constexpr std::size_t kMessages = 50;
  if (receiver.subscriptions() > 0) {
    MqttPublisher pub(broker.port());
    for (std::size_t i = 0; i < kMessages; ++i) pub.publish("acks", "m" + std::to_string(i), 1);
    pub.wait_acked();
  }
  const auto blocked = sink.wait_first_block();  // the receiver is inside store() now
  const auto redelivered = take_over_session(broker.port(), id, kMessages);
  receiver.set_stopped(true);
  sink.release();
  thread.join();

  ASSERT_GE(receiver.subscriptions(), 1u);
  ASSERT_FALSE(blocked.empty());
  for (const auto& m : blocked)
    EXPECT_TRUE(redelivered.contains(m.payload)) << m.payload << " was acknowledged in store()";
  EXPECT_EQ(redelivered.size(), kMessages) << "every message, the blocked block's included";
  std::cout << "ack after store: " << blocked.size() << " messages in the blocked store, "
            << redelivered.size() << " delivered to the session's next client\n";
}

TEST(MqttStream, BrokerDownAtStartIsRetriedAndReportedThenConsumed) {
  const int port = free_loopback_port();
  const auto uri = "mqtt://127.0.0.1:" + std::to_string(port);
  MqttRun run(uri, "t", 1, MqttOptions{.initial_backoff = 10ms, .max_backoff = 40ms});
  ASSERT_TRUE(run.until([&] { return run.receiver->failed_connects() >= 3; }));
  EXPECT_EQ(run.errors.containing("cannot connect to " + uri), 1u)
      << "one report per streak of failures";
  EXPECT_EQ(run.receiver->connections(), 0u);

  MosquittoBroker broker(port);
  ASSERT_TRUE(run.until([&] { return run.receiver->subscriptions() >= 1; }));
  MqttPublisher pub(port);
  pub.publish("t", "after the broker came up", 1);
  pub.wait_acked();
  ASSERT_TRUE(run.until([&] { return run.out->size() >= 1; }));
  run.ssc.stop();
  EXPECT_EQ(run.out->copy()[0].payload, "after the broker came up");
  EXPECT_EQ(run.receiver->connections(), 1u);
  EXPECT_EQ(run.receiver->state(), detail::MqttState::stopped);
}

// A broker address that drops packets (or is unreachable): the connect does not block the
// receiver thread, so stop() returns at once rather than after the kernel's timeout.
TEST(MqttStream, StopReturnsPromptlyWhileABrokerDoesNotAnswer) {
  MqttRun run("mqtt://10.255.255.1:1883", "t", 1);
  ASSERT_TRUE(run.until([&] { return run.receiver->state() != detail::MqttState::stopped; }));
  std::this_thread::sleep_for(200ms);  // connecting, or backing off after ENETUNREACH
  const auto t0 = std::chrono::steady_clock::now();
  run.ssc.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
  EXPECT_EQ(run.receiver->connections(), 0u);
}

// Payloads are bytes: invalid UTF-8 passes through unchanged (parsing is the job's, see
// the iot_monitor example); one over max_payload_bytes is skipped, counted, reported.
TEST(MqttStream, OversizedPayloadsAreSkippedAndReportedInvalidUtf8PassesThrough) {
  MosquittoBroker broker;
  MqttRun run(broker.uri(), "big", 0, MqttOptions{.max_payload_bytes = 1000});
  ASSERT_TRUE(run.until([&] { return run.receiver->subscriptions() >= 1; }));
  MqttPublisher pub(broker.port());
  const std::vector<std::string> sent{std::string(999, 'a'),    std::string(1000, 'b'),
                                      std::string(1001, 'c'),   std::string("\xc3\x28\xa0\xa1", 4),
                                      std::string(200000, 'd'), ""};
  for (auto& p : sent) pub.publish("big", p, 1);  // delivered with QoS 0: the subscription's
  pub.wait_acked();
  ASSERT_TRUE(run.until(
      [&] { return run.out->size() + run.receiver->oversized_messages() >= sent.size(); }));
  run.ssc.stop();
  std::vector<std::string> got;
  for (auto& m : run.out->copy()) {
    got.push_back(m.payload);
    EXPECT_EQ(m.qos, 0);
  }
  EXPECT_EQ(got, (std::vector<std::string>{sent[0], sent[1], sent[3], sent[5]}));
  EXPECT_EQ(run.receiver->oversized_messages(), 2u);
  EXPECT_EQ(run.errors.containing("over max_payload_bytes = 1000"), 2u);
  EXPECT_EQ(run.errors.containing("200000 bytes"), 1u);
}

}  // namespace
}  // namespace rill::test
