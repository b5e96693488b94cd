// jetstream_direct_stream against a real nats-server (started by the test on a free port,
// JetStream on, store in a temp dir): every batch holds exactly the messages a plain
// reference says — the published ones, each once, in sequence order, one partition per
// subject filter — also with a rate limit, a server down at start and one restarted mid
// stream (reported to on_stream_error, nothing lost). Bad URLs, stream names and filters
// are std::invalid_argument naming the value.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <mutex>
#include <rill/io/sequence_range_log.hpp>
#include <rill/rill.hpp>
#include <string>
#include <vector>

#include "nats_server.hpp"

namespace rill::test::jetstream_test {

using namespace std::chrono_literals;

struct Published {
  std::string subject, payload;
  std::uint64_t sequence;
};

// What the batches gave: per batch time, the messages of each partition.
struct Batches {
  std::mutex m;
  std::map<Time, std::vector<std::vector<JetStreamMessage>>> parts;
  std::vector<JetStreamMessage> all() {
    std::lock_guard lock(m);
    std::vector<JetStreamMessage> out;
    for (auto& [t, ps] : parts)
      for (auto& p : ps) out.insert(out.end(), p.begin(), p.end());
    std::sort(out.begin(), out.end(),
              [](const auto& a, const auto& b) { return a.sequence < b.sequence; });
    return out;
  }
  std::size_t count(Time t) {
    std::lock_guard lock(m);
    std::size_t n = 0;
    for (auto& p : parts[t]) n += p.size();
    return n;
  }
};

void record_batches(DStream<JetStreamMessage> s, Batches& out) {
  s.foreach_rdd([&out](const Rdd<JetStreamMessage>& rdd, Time t) {
    auto parts = rdd.glom().collect();
    std::lock_guard lock(out.m);
    out.parts[t] = std::move(parts);
  });
}

struct ErrorLog final : StreamingListener {
  std::mutex m;
  std::vector<std::string> messages;
  void on_stream_error(const StreamErrorInfo& e) override {
    std::lock_guard lock(m);
    messages.push_back(e.message);
  }
  std::size_t size() {
    std::lock_guard lock(m);
    return messages.size();
  }
};

// A stream context on the manual clock (100 ms batches) with a listener for its errors.
struct ManualRun {
  Context ctx{Config{.parallelism = 2}};
  std::shared_ptr<ManualClock> clock = std::make_shared<ManualClock>();
  StreamingContext ssc{ctx, std::chrono::milliseconds(100), clock};
  ErrorLog errors;
  Batches got;
  ManualRun() { ssc.add_listener(errors); }
  // Runs batch i (time 100 i ms) to completion.
  void batch(int i) {
    clock->advance(std::chrono::milliseconds(100));
    ssc.await_batch_completed(Time{100 * i});
  }
};

// The reference: what was published, in sequence order, compared field by field.
void expect_exactly(const std::vector<JetStreamMessage>& got, const std::vector<Published>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(got[i].sequence, want[i].sequence) << i;
    EXPECT_EQ(got[i].subject, want[i].subject) << i;
    EXPECT_EQ(got[i].payload, want[i].payload) << i;
    EXPECT_GT(got[i].timestamp.count(), 0) << i;
  }
}

std::vector<Published> publish(NatsPublisher& pub, int from, int n) {
  std::vector<Published> out;
  for (int i = from; i < from + n; ++i) {
    const std::string subject = i % 3 == 0 ? "orders.us" : "orders.eu";
    const std::string payload = "order-" + std::to_string(i) + std::string(i % 7, 'x');
    out.push_back({subject, payload, pub.publish(subject, payload)});
  }
  return out;
}

TEST(JetStreamDirectStream, EveryBatchHoldsThePublishedRangeOncePartitionedBySubject) {
  NatsServer server;
  NatsPublisher pub(server.url());
  pub.add_stream("ORDERS", {"orders.>"});
  auto want = publish(pub, 0, 500);

  Context ctx(Config{.parallelism = 2});
  auto clock = std::make_shared<ManualClock>();
  StreamingContext ssc(ctx, 100ms, clock);
  Batches got;
  auto s = jetstream_direct_stream(ssc, server.url(), "ORDERS", {"orders.eu", "orders.us"});
  record_batches(s, got);
  ssc.start();
  clock->advance(100ms);
  ssc.await_batch_completed(Time{100});
  {
    std::lock_guard lock(got.m);
    ASSERT_EQ(got.parts[Time{100}].size(), 2u) << "one partition per subject filter";
    for (auto& m : got.parts[Time{100}][0]) EXPECT_EQ(m.subject, "orders.eu");
    for (auto& m : got.parts[Time{100}][1]) EXPECT_EQ(m.subject, "orders.us");
  }
  EXPECT_EQ(got.count(Time{100}), 500u);
  clock->advance(100ms);  // nothing new: an empty batch
  ssc.await_batch_completed(Time{200});
  EXPECT_EQ(got.count(Time{200}), 0u);
  auto more = publish(pub, 500, 300);
  want.insert(want.end(), more.begin(), more.end());
  clock->advance(100ms);
  ssc.await_batch_completed(Time{300});
  EXPECT_EQ(got.count(Time{300}), 300u);
  ssc.stop();
  expect_exactly(got.all(), want);
}

TEST(JetStreamDirectStream, WholeStreamWithoutFiltersAndFromLatest) {
  NatsServer server;
  NatsPublisher pub(server.url());
  pub.add_stream("EVENTS", {"ev.a", "ev.b"});
  pub.publish("ev.a", "old");  // before the start: skipped with start_sequence 0
  Context ctx(Config{.parallelism = 2});
  auto clock = std::make_shared<ManualClock>();
  StreamingContext ssc(ctx, 100ms, clock);
  Batches got;
  record_batches(jetstream_direct_stream(ssc, server.url(), "EVENTS", {},
                                         JetStreamOptions{.start_sequence = 0}),
                 got);
  ssc.start();
  clock->advance(100ms);
  ssc.await_batch_completed(Time{100});
  std::vector<Published> want;
  for (int i = 0; i < 50; ++i) {
    const std::string subject = i % 2 ? "ev.a" : "ev.b", payload = std::to_string(i);
    want.push_back({subject, payload, pub.publish(subject, payload)});
  }
  clock->advance(100ms);
  ssc.await_batch_completed(Time{200});
  ssc.stop();
  EXPECT_EQ(got.count(Time{100}), 0u);
  expect_exactly(got.all(), want);
}

TEST(JetStreamDirectStream, MaxRateBoundsEachBatchAndLosesNothing) {
  NatsServer server;
  NatsPublisher pub(server.url());
  pub.add_stream("ORDERS", {"orders.>"});
  auto want = publish(pub, 0, 350);
  Context ctx(Config{.parallelism = 2, .receiver_max_rate = 1000});  // 100 per 100 ms batch
  auto clock = std::make_shared<ManualClock>();
  StreamingContext ssc(ctx, 100ms, clock);
  Batches got;
  record_batches(jetstream_direct_stream(ssc, server.url(), "ORDERS"), got);
  ssc.start();
  for (int i = 1; i <= 5; ++i) {
    clock->advance(100ms);
    ssc.await_batch_completed(Time{100 * i});
  }
  ssc.stop();
  std::vector<std::size_t> sizes;
  for (int i = 1; i <= 5; ++i) sizes.push_back(got.count(Time{100 * i}));
  EXPECT_EQ(sizes, (std::vector<std::size_t>{100, 100, 100, 50, 0}));
  expect_exactly(got.all(), want);
}

TEST(JetStreamDirectStream, ServerDownAtStartIsReportedThenEverythingIsRead) {
  auto server = std::make_unique<NatsServer>();
  const auto url = server->url();
  server->stop();
  ManualRun run;
  record_batches(jetstream_direct_stream(run.ssc, url, "ORDERS", {},
                                         JetStreamOptions{.request_timeout = 500ms}),
                 run.got);
  run.ssc.start();
  run.batch(1);
  EXPECT_EQ(run.got.count(Time{100}), 0u);
  server->start();
  NatsPublisher pub(url);
  // The stream does not exist yet: reported too, still nothing lost.
  run.batch(2);
  pub.add_stream("ORDERS", {"orders.>"});
  auto want = publish(pub, 0, 200);
  run.batch(3);
  run.ssc.stop();
  expect_exactly(run.got.all(), want);
  std::lock_guard lock(run.errors.m);
  const auto& errors = run.errors.messages;
  ASSERT_GE(errors.size(), 2u);
  EXPECT_NE(errors[0].find(url), std::string::npos) << errors[0];
  EXPECT_NE(errors[1].find("no stream 'ORDERS'"), std::string::npos) << errors[1];
}

TEST(JetStreamDirectStream, ServerRestartMidStreamLosesAndRepeatsNothing) {
  NatsServer server;
  auto want = [&] {
    NatsPublisher pub(server.url());
    pub.add_stream("ORDERS", {"orders.>"});
    return publish(pub, 0, 300);
  }();
  ManualRun run;
  record_batches(
      jetstream_direct_stream(run.ssc, server.url(), "ORDERS", {"orders.eu", "orders.us"},
                              JetStreamOptions{.request_timeout = 500ms}),
      run.got);
  run.ssc.start();
  run.batch(1);
  server.stop();
  run.batch(2);
  EXPECT_EQ(run.got.count(Time{200}), 0u);
  EXPECT_GE(run.errors.size(), 1u);
  server.start();
  {
    NatsPublisher pub(server.url());
    auto more = publish(pub, 300, 200);
    want.insert(want.end(), more.begin(), more.end());
  }
  // cnats reconnects on its own; batches until then are empty and reported.
  for (int i = 3; i <= 40 && run.got.all().size() < want.size(); ++i) {
    run.batch(i);
    if (run.got.all().size() < want.size()) std::this_thread::sleep_for(50ms);
  }
  run.ssc.stop();
  expect_exactly(run.got.all(), want);
}

TEST(JetStreamDirectStream, BadUrlsStreamNamesAndFiltersNameTheValue) {
  Context ctx(Config{.parallelism = 1});
  StreamingContext ssc(ctx, 100ms, std::make_shared<ManualClock>());
  const auto expect_invalid = [&](const std::string& url, const std::string& stream,
                                  std::vector<std::string> subjects, const std::string& named) {
    try {
      jetstream_direct_stream(ssc, url, stream, subjects);
      ADD_FAILURE() << "accepted " << url << " " << stream;
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(named), std::string::npos) << e.what();
    }
  };
  for (std::string url : {"127.0.0.1:4222", "http://127.0.0.1:4222", "nats://", "nats://h:0",
                          "nats://h:99999", "nats://h:12ab", "nats://a b:4222", "nats://h/x"})
    expect_invalid(url, "S", {}, "'" + url + "'");
  for (std::string stream : {"", "a.b", "a b", "a*", "x>", "a/b"})
    expect_invalid("nats://127.0.0.1:4222", stream, {}, "'" + stream + "'");
  for (std::string subject : {"", "a..b", ".a", "a.>.b", "a b", "a.b*", "a.>x"})
    expect_invalid("nats://127.0.0.1:4222", "S", {subject}, "'" + subject + "'");
  expect_invalid("nats://127.0.0.1:4222", "S", {"a.*", "a.b"}, "'a.*' and 'a.b' overlap");
  expect_invalid("nats://127.0.0.1:4222", "S", {"a.b", "a.b"}, "overlap");
  expect_invalid("nats://127.0.0.1:4222", "S", {"a.>", "a.b.c"}, "overlap");
  try {
    jetstream_direct_stream(ssc, "nats://127.0.0.1:4222", "S", {},
                            JetStreamOptions{.request_timeout = 0ms});
    ADD_FAILURE() << "accepted a zero timeout";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("request 0 ms"), std::string::npos) << e.what();
  }
  // Disjoint filters and good URLs are fine.
  EXPECT_NO_THROW(
      jetstream_direct_stream(ssc, "nats://user:pw@localhost:4222", "S", {"a.*", "b.>", "a.b.c"}));
  EXPECT_NO_THROW(jetstream_direct_stream(ssc, "tls://localhost", "S"));
}

TEST(JetStreamDirectStream, RangeLogReplaysUncompletedBatchesAndResumesAfterTheLast) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("rill-range-log-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  {
    detail::SequenceRangeLog log(dir, false, std::nullopt);
    EXPECT_FALSE(log.next());
    log.record(Time{100}, {1, 10});
    log.record(Time{200}, {11, 15});
    EXPECT_TRUE(!log.completed());
    log.record(Time{300}, {16, 40});
  }
  {
    detail::SequenceRangeLog log(dir, true, Time{200});
    EXPECT_EQ(log.next(), 41u);
    auto replay = log.take_replay();
    ASSERT_EQ(replay.size(), 1u);
    EXPECT_EQ(replay.begin()->first, Time{300});
    EXPECT_EQ(replay.begin()->second.first, 16u);
    EXPECT_EQ(replay.begin()->second.last, 40u);
    log.snapshot(Time{300}, 41);  // the log of batches <= 300 goes, `next` keeps 41
  }
  {
    detail::SequenceRangeLog log(dir, true, Time{300});
    EXPECT_EQ(log.next(), 41u);
    EXPECT_TRUE(log.take_replay().empty());
  }
  {
    detail::SequenceRangeLog log(dir, false, std::nullopt);  // a fresh start forgets it
    EXPECT_FALSE(log.next());
  }
  fs::remove_all(dir);
}

}  // namespace rill::test::jetstream_test
