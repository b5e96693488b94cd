// Messages/s from NATS JetStream: jetstream_direct_stream (one batch per 100 ms of the
// manual clock, each taking 50 000 messages under the rate limit, counted by a
// foreach_rdd) next to a hand-written cnats twin that reads the same stream with one
// ephemeral pull consumer and copies each message out (the same work without rill). Both
// read 200 000 messages of 100 bytes (RILL_BENCH_JS_MSGS) from a nats-server the
// benchmark starts; the twin runs first and the rill case prints msgs_vs_twin.
#include <benchmark/benchmark.h>
#include <nats/nats.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <rill/rill.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench_support.hpp"
#include "nats_server.hpp"

namespace {

using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

constexpr std::int64_t kBatchMessages = 50'000;

// One server, one stream, published once for every case.
struct JetStreamFixture {
  rill::test::NatsServer server;
  std::int64_t messages = rill_bench::env_int("RILL_BENCH_JS_MSGS", 200'000);
  JetStreamFixture() {
    rill::test::NatsPublisher pub(server.url());
    pub.add_stream("BENCH", {"bench.a", "bench.b"});
    const std::string payload(100, 'p');
    for (std::int64_t i = 0; i < messages; ++i) {
      pub.publish_async(i % 2 ? "bench.b" : "bench.a", payload);
      if (i % 4096 == 4095) pub.flush();
    }
    pub.flush();
  }
};

JetStreamFixture& fixture() {
  static JetStreamFixture f;
  return f;
}

double twin_rate = 0;  // messages/s of the twin's last run

void check(natsStatus s, const char* what) {
  if (s != NATS_OK) throw std::runtime_error(std::string(what) + ": " + natsStatus_GetText(s));
}

// The twin: what a user would write against cnats to read the stream once.
std::int64_t read_with_cnats(const std::string& url, std::int64_t n) {
  natsConnection* nc = nullptr;
  jsCtx* js = nullptr;
  check(natsConnection_ConnectTo(&nc, url.c_str()), "connect");
  check(natsConnection_JetStream(&js, nc, nullptr), "jetstream");
  jsSubOptions so;
  jsSubOptions_Init(&so);
  so.Stream = "BENCH";
  so.Config.DeliverPolicy = js_DeliverAll;
  so.Config.AckPolicy = js_AckNone;
  natsSubscription* sub = nullptr;
  check(js_PullSubscribe(&sub, js, ">", nullptr, nullptr, &so, nullptr), "subscribe");
  std::vector<rill::JetStreamMessage> out;
  out.reserve(static_cast<std::size_t>(n));
  while (static_cast<std::int64_t>(out.size()) < n) {
    // The stream is stored: no need to wait for a full batch (plain Fetch long-polls).
    jsFetchRequest req;
    jsFetchRequest_Init(&req);
    req.Batch = 1024;
    req.NoWait = true;
    req.Expires = std::int64_t{5'000'000'000};
    natsMsgList list{nullptr, 0};
    check(natsSubscription_FetchRequest(&list, sub, &req), "fetch");
    for (int i = 0; i < list.Count; ++i) {
      jsMsgMetaData* meta = nullptr;
      check(natsMsg_GetMetaData(&meta, list.Msgs[i]), "metadata");
      out.push_back({natsMsg_GetSubject(list.Msgs[i]), meta->Sequence.Stream,
                     std::string(natsMsg_GetData(list.Msgs[i]),
                                 static_cast<std::size_t>(natsMsg_GetDataLength(list.Msgs[i]))),
                     rill::Time{meta->Timestamp / 1'000'000}});
      jsMsgMetaData_Destroy(meta);
    }
    natsMsgList_Destroy(&list);
  }
  natsSubscription_Unsubscribe(sub);
  natsSubscription_Destroy(sub);
  jsCtx_Destroy(js);
  natsConnection_Destroy(nc);
  return static_cast<std::int64_t>(out.size());
}

void BM_JetStreamSource_twin(benchmark::State& state) {
  auto& f = fixture();
  for (auto _ : state) {
    const auto t0 = SteadyClock::now();
    const auto n = read_with_cnats(f.server.url(), f.messages);
    const double s = std::chrono::duration<double>(SteadyClock::now() - t0).count();
    state.SetIterationTime(s);
    twin_rate = double(n) / s;
    state.counters["msgs_per_s"] = twin_rate;
  }
}

// Arg: subject filters (0: the whole stream, one partition; 2: bench.a and bench.b).
void BM_JetStreamSource_rill(benchmark::State& state) {
  auto& f = fixture();
  std::vector<std::string> filters;
  if (state.range(0) == 2) filters = {"bench.a", "bench.b"};
  for (auto _ : state) {
    rill::Context ctx(rill::Config{.parallelism = rill_bench::kParallelism,
                                   .receiver_max_rate = kBatchMessages * 10});
    auto clock = std::make_shared<rill::ManualClock>();
    rill::StreamingContext ssc(ctx, 100ms, clock);
    std::atomic<std::int64_t> seen{0};
    rill::jetstream_direct_stream(ssc, f.server.url(), "BENCH", filters)
        .foreach_rdd([&](const rill::Rdd<rill::JetStreamMessage>& rdd) { seen += rdd.count(); });
    ssc.start();
    const auto t0 = SteadyClock::now();
    for (int b = 1; seen.load() < f.messages; ++b) {
      clock->advance(100ms);
      ssc.await_batch_completed(rill::Time{100 * b});
    }
    const double s = std::chrono::duration<double>(SteadyClock::now() - t0).count();
    ssc.stop();
    state.SetIterationTime(s);
    const double rate = double(seen.load()) / s;
    state.counters["msgs_per_s"] = rate;
    if (twin_rate > 0) {
      state.counters["msgs_vs_twin"] = rate / twin_rate;
      std::printf("jetstream_direct_stream (%d filters): %.0f msgs/s, %.2fx the cnats twin\n",
                  int(state.range(0)), rate, rate / twin_rate);
    }
  }
}

}  // namespace

BENCHMARK(BM_JetStreamSource_twin)
    ->UseManualTime()
    ->Iterations(1)
    ->Repetitions(3)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_JetStreamSource_rill)
    ->ArgName("filters")
    ->Arg(0)
    ->Arg(2)
    ->UseManualTime()
    ->Iterations(1)
    ->Repetitions(3)
    ->Unit(benchmark::kMillisecond);
