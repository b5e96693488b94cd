// MQTT source throughput: messages/s drained from a mosquitto broker on loopback through
// mqtt_stream's receiver (and on to a batch's foreach_rdd), next to a hand-written
// libmosquitto subscriber loop (the twin) that copies each message into a vector. Both
// drain the same backlog: N QoS 1 messages queued by the broker for an offline persistent
// session, so the publisher's speed is not measured. RILL_BENCH_MQTT = N (default 200 000).
#include <benchmark/benchmark.h>
#include <mosquitto.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <memory>
#include <rill/io/mqtt_receiver.hpp>
#include <rill/rill.hpp>
#include <string>
#include <thread>
#include <vector>

#include "bench_support.hpp"
#include "io/mosquitto_broker.hpp"

namespace {

using Clock = std::chrono::steady_clock;
constexpr const char* kTopic = "bench/readings";
constexpr std::size_t kPayloadBytes = 100;

std::int64_t messages_per_run() {
  return rill_bench::env_int("RILL_BENCH_MQTT", 200000);
}

// The broker, shared by all runs; it delivers up to 1 000 QoS 1 messages unacknowledged.
rill::test::MosquittoBroker& broker() {
  static rill::test::MosquittoBroker b(0, "max_inflight_messages 1000\n");
  return b;
}

// Creates (or resumes) client_id's persistent session, subscribed to kTopic, leaves it
// offline, and has the broker queue n messages for it.
void queue_backlog(const std::string& client_id, std::int64_t n) {
  rill::test::subscribe_offline_session(broker().port(), client_id, kTopic, 1);
  rill::test::MqttPublisher pub(broker().port(), "rill-bench-publisher");
  const std::string payload(kPayloadBytes, 'p');
  for (std::int64_t i = 0; i < n; ++i) pub.publish(kTopic, payload, 1);
  pub.wait_acked(std::chrono::minutes(5));
}

double g_twin_rate = 0;

void report(benchmark::State& state, std::int64_t n, double seconds, const char* variant) {
  const double rate = static_cast<double>(n) / seconds;
  state.SetIterationTime(seconds);
  state.counters["msgs_per_s"] = rate;
  if (g_twin_rate > 0) {
    state.counters["vs_twin"] = rate / g_twin_rate;
    std::cout << "mqtt " << variant << ": " << static_cast<long>(rate) << " messages/s, "
              << rate / g_twin_rate << "x the hand-written subscriber\n";
  } else {
    g_twin_rate = rate;
    std::cout << "mqtt twin: " << static_cast<long>(rate) << " messages/s\n";
  }
}

// The twin: mosquitto_loop on one thread, each message copied out like the receiver's.
void BM_MqttSource_twin(benchmark::State& state) {
  const auto n = messages_per_run();
  for (auto _ : state) {
    const std::string id = "rill-bench-twin";
    queue_backlog(id, n);
    struct Sink {
      std::vector<std::pair<std::string, std::string>> got;
    } sink;
    sink.got.reserve(static_cast<std::size_t>(n));
    mosquitto_lib_init();
    mosquitto* m = mosquitto_new(id.c_str(), false, &sink);
    mosquitto_message_callback_set(m, [](mosquitto*, void* s, const mosquitto_message* msg) {
      static_cast<Sink*>(s)->got.emplace_back(
          msg->topic, std::string(static_cast<const char*>(msg->payload),
                                  static_cast<std::size_t>(msg->payloadlen)));
    });
    // As any libmosquitto subscriber (and the receiver) does: subscribe on each CONNACK.
    mosquitto_connect_callback_set(m, [](mosquitto* mq, void*, int rc) {
      if (rc == 0) mosquitto_subscribe(mq, nullptr, kTopic, 1);
    });
    const auto t0 = Clock::now();
    mosquitto_connect(m, "127.0.0.1", broker().port(), 30);
    while (static_cast<std::int64_t>(sink.got.size()) < n &&
           Clock::now() - t0 < std::chrono::minutes(2))
      mosquitto_loop(m, 5, 1);
    const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    mosquitto_disconnect(m);
    mosquitto_destroy(m);
    if (static_cast<std::int64_t>(sink.got.size()) < n)
      state.SkipWithError("twin: messages missing");
    report(state, n, seconds, "twin");
  }
}

// rill: mqtt_stream's receiver into 20 ms batches, each batch counted by foreach_rdd;
// timed until the batches have counted all n. range(0) = 1: with the write-ahead log.
void BM_MqttSource_rill(benchmark::State& state) {
  const auto n = messages_per_run();
  const bool wal = state.range(0) == 1;
  for (auto _ : state) {
    const std::string id = wal ? "rill-bench-wal" : "rill-bench-rill";
    queue_backlog(id, n);
    char tmpl[] = "/tmp/rill-bench-mqtt-XXXXXX";
    const std::string dir = ::mkdtemp(tmpl);
    rill::Context ctx(
        rill::Config{.parallelism = rill_bench::kParallelism, .write_ahead_log = wal});
    auto counted = std::make_shared<std::atomic<std::int64_t>>(0);
    auto define = [&] {
      rill::StreamingContext s(ctx, rill::Duration{20});
      s.mqtt_stream(broker().uri(), kTopic, 1, rill::MqttOptions{.client_id = id})
          .foreach_rdd(
              [counted](const rill::Rdd<rill::MqttMessage>& rdd) { *counted += rdd.count(); });
      return s;
    };
    // The write-ahead log needs a recoverable context.
    auto ssc = wal ? rill::StreamingContext::get_or_create(dir, define) : define();
    const auto t0 = Clock::now();
    ssc.start();
    while (*counted < n && Clock::now() - t0 < std::chrono::minutes(2))
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    ssc.stop();
    std::filesystem::remove_all(dir);
    if (*counted < n) state.SkipWithError("rill: messages missing");
    report(state, n, seconds, wal ? "rill (write-ahead log)" : "rill");
  }
}

}  // namespace

BENCHMARK(BM_MqttSource_twin)->UseManualTime()->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_MqttSource_rill)
    ->Arg(0)
    ->Arg(1)
    ->UseManualTime()
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);
