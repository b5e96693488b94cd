#include <condition_variable>
#include <fstream>

#include "dstream/stream_test_support.hpp"

namespace rill::test {
namespace {

TEST(StreamingContextLifecycle, ValidationAtConstructionAndStart) {
  Context ctx(Config{.parallelism = 2});
  EXPECT_THROW(StreamingContext(ctx, -1ms), std::invalid_argument);
  StreamHarness h;
  h.ssc.queue_stream(h.queue_of(std::vector<std::vector<int>>{{1}}));
  EXPECT_THROW(h.ssc.start(), std::invalid_argument);  // no output operation
}

TEST(StreamingContextLifecycle, StartTwiceAndDefineAfterStartAreRefused) {
  StreamHarness h;
  auto in = h.ssc.queue_stream(h.queue_of(std::vector<std::vector<int>>{{1}}));
  in.foreach_rdd([](const Rdd<int>&) {});
  h.ssc.start();
  EXPECT_THROW(h.ssc.start(), std::logic_error);
  EXPECT_THROW(in.print(), std::logic_error);
  h.ssc.stop();
  EXPECT_TRUE(h.ssc.await_termination_or_timeout(10ms));
  EXPECT_NO_THROW(h.ssc.await_termination());
}

TEST(StreamingContextLifecycle, AwaitTerminationTimesOutWhileRunning) {
  StreamHarness h;
  h.ssc.queue_stream(h.queue_of(std::vector<std::vector<int>>{})).foreach_rdd([](const Rdd<int>&) {
  });
  h.ssc.start();
  EXPECT_FALSE(h.ssc.await_termination_or_timeout(1ms));
  h.ssc.stop();
}

TEST(StreamingContextLifecycle, JobFailureIsRethrownByAwaitTermination) {
  StreamHarness h;
  h.ssc.queue_stream(h.queue_of(std::vector<std::vector<int>>{{1}}))
      .foreach_rdd([](const Rdd<int>&) { throw std::runtime_error("boom"); });
  h.ssc.start();
  h.run_batches(1);
  EXPECT_THROW(h.ssc.await_termination(), std::runtime_error);
  h.ssc.stop();
}

TEST(StreamingContextLifecycle, InputReadOnceAndSharedByAllConsumers) {
  StreamHarness h;
  auto computed = std::make_shared<std::atomic<int>>(0);
  std::vector<std::vector<int>> data{{1, 2, 3}, {4}};
  auto in = h.ssc.queue_stream(h.queue_of(data));
  auto mapped = in.map([computed](int x) {
    ++*computed;
    return x;
  });
  std::vector<std::size_t> ids_a, ids_b;
  mapped.foreach_rdd([&](const Rdd<int>& r) {
    ids_a.push_back(r.id());
    r.count();
  });
  mapped.foreach_rdd([&](const Rdd<int>& r) {
    ids_b.push_back(r.id());
    r.count();
  });
  Collector<int> other(mapped.filter([](int) { return true; }));
  h.ssc.start();
  h.run_batches(2);
  h.ssc.stop();
  EXPECT_EQ(ids_a, ids_b) << "one RDD per batch, shared";
  EXPECT_EQ(computed->load(), 4) << "the map ran once per element";
}

TEST(StreamingContextLifecycle, OutputsOfABatchRunInDefinitionOrderAndBatchesInTimeOrder) {
  for (int concurrent : {1, 3}) {
    StreamHarness h(100ms, Config{.parallelism = 2, .concurrent_jobs = concurrent});
    auto in =
        h.ssc.queue_stream(h.queue_of(std::vector<std::vector<int>>(12, std::vector<int>{1, 2})));
    std::mutex m;
    std::vector<std::pair<int, std::int64_t>> log;
    for (int op = 0; op < 3; ++op)
      in.foreach_rdd([&, op](const Rdd<int>& r, Time t) {
        r.count();
        std::lock_guard lock(m);
        log.emplace_back(op, t.count());
      });
    h.ssc.start();
    h.clock->advance(1200ms);  // twelve batches due at once
    h.ssc.await_batch_completed(1200ms);
    h.ssc.stop();
    ASSERT_EQ(log.size(), 36u);
    std::map<int, std::int64_t> last_time;
    std::map<std::int64_t, int> last_op;
    for (auto [op, t] : log) {
      EXPECT_GT(t, last_time[op]) << "output " << op << " saw batches out of order";
      last_time[op] = t;
      if (last_op.count(t)) {
        EXPECT_EQ(op, last_op[t] + 1) << "batch " << t;
      }
      last_op[t] = op;
    }
  }
}

TEST(StreamingContextLifecycle, ZeroIntervalTakesBatchTimesFromTheClock) {
  StreamHarness h(0ms);
  auto in = h.ssc.queue_stream(h.queue_of(std::vector<std::vector<int>>{{1}, {2}, {3}}));
  Collector<int> c(in);
  h.ssc.start();
  for (int i = 0; i < 3; ++i) {
    h.clock->advance(7ms);
    h.ssc.await_batch_completed(h.clock->now());
  }
  h.ssc.stop();
  auto b = c.batches();
  ASSERT_EQ(b.size(), 3u);
  EXPECT_EQ(b[7ms], std::vector<int>{1});
  EXPECT_EQ(b[14ms], std::vector<int>{2});
  EXPECT_EQ(b[21ms], std::vector<int>{3});
}

TEST(StreamingContextLifecycle, QueueStreamModes) {
  StreamHarness h;
  auto all = h.ssc.queue_stream(h.queue_of(std::vector<std::vector<int>>{{1}, {2}, {3}}), false);
  auto dflt = h.ssc.queue_stream(h.queue_of(std::vector<std::vector<int>>{{1}}), true,
                                 h.ctx.parallelize(std::vector<int>{9}, 1));
  Collector<int> a(all), d(dflt);
  h.ssc.start();
  h.run_batches(3);
  h.ssc.stop();
  EXPECT_EQ(a.in_order(), (std::vector<std::vector<int>>{{1, 2, 3}, {}, {}}));
  EXPECT_EQ(d.in_order(), (std::vector<std::vector<int>>{{1}, {9}, {9}}));
}

TEST(StreamingContextOutputs, PrintUsesSparksFormat) {
  StreamHarness h;
  std::vector<int> many(12);
  for (int i = 0; i < 12; ++i) many[static_cast<std::size_t>(i)] = i;
  auto in = h.ssc.queue_stream(std::deque<Rdd<int>>{h.ctx.parallelize(many, 1),
                                                    h.ctx.parallelize(std::vector<int>{1, 2}, 1)});
  in.print();
  in.map([](int x) { return std::pair<int, std::string>(x, "v"); }).print(1);
  h.ssc.start();
  testing::internal::CaptureStdout();
  h.run_batches(2);
  auto out = testing::internal::GetCapturedStdout();
  h.ssc.stop();
  const std::string sep = "-------------------------------------------\n";
  std::string want = sep + "Time: 100 ms\n" + sep;
  for (int i = 0; i < 10; ++i) want += std::to_string(i) + "\n";
  want += "...\n\n";
  want += sep + "Time: 100 ms\n" + sep + "(0,v)\n...\n\n";
  want += sep + "Time: 200 ms\n" + sep + "1\n2\n\n";
  want += sep + "Time: 200 ms\n" + sep + "(1,v)\n...\n\n";
  EXPECT_EQ(out, want);
}

TEST(StreamingContextOutputs, SaveAsTextFilesWritesOneDirectoryPerBatch) {
  StreamHarness h;
  TempDir dir;
  auto in = h.ssc.queue_stream(h.queue_of(std::vector<std::vector<int>>{{1, 2}, {3}}, 1));
  in.save_as_text_files((dir.path / "out").string(), "txt");
  h.ssc.start();
  h.run_batches(2);
  h.ssc.stop();
  std::ifstream f(dir.path / "out-100.txt" / "part-00000");
  std::string a, b;
  f >> a >> b;
  EXPECT_EQ(a + b, "12");
  EXPECT_TRUE(std::filesystem::exists(dir.path / "out-200.txt" / "_SUCCESS"));
}

TEST(StreamingContextInputs, TextFileStreamReadsNewFilesOnce) {
  TempDir dir;
  auto write = [&](const std::string& name, const std::string& text) {
    std::ofstream(dir.path / name) << text;
  };
  write("old.txt", "old\n");
  StreamHarness h;
  auto lines = h.ssc.text_file_stream(dir.str());
  Collector<std::string> c(lines);
  h.ssc.start();
  write("a.txt", "a1\na2\n");
  write(".hidden", "no\n");
  write("b.txt._COPYING_", "no\n");
  write("c.tmp", "no\n");
  h.run_batches(1);
  write("d.txt", "d1\n");
  h.run_batches(2);
  h.ssc.stop();
  EXPECT_EQ(c.in_order(), (std::vector<std::vector<std::string>>{{"a1", "a2"}, {"d1"}, {}}));
}

// A receiver the test drives: push() stores from the test thread once started.
class PushReceiver final : public Receiver<int> {
 public:
  void on_start() override {
    std::lock_guard lock(m);
    ++starts;
    cv.notify_all();
    if (restart_first && starts == 1) restart("first start fails");
    if (report_once && starts == 1) report_error("something odd");
  }
  void on_stop() override {
    std::lock_guard lock(m);
    ++stops;
    cv.notify_all();
  }
  std::string name() const override { return "PushReceiver"; }
  void wait_starts(int n) {
    std::unique_lock lock(m);
    ASSERT_TRUE(cv.wait_for(lock, 30s, [&] { return starts >= n && !is_stopped(); }));
  }
  std::mutex m;
  std::condition_variable cv;
  int starts = 0, stops = 0;
  bool restart_first = false, report_once = false;
};

struct EventLog : StreamingListener {
  void on_batch_submitted(const BatchInfo& b) override { add("submitted", b); }
  void on_batch_started(const BatchInfo& b) override { add("started", b); }
  void on_batch_completed(const BatchInfo& b) override { add("completed", b); }
  void on_receiver_started(const ReceiverInfo& r) override {
    receiver("receiver_started " + r.name);
  }
  void on_receiver_stopped(const ReceiverInfo& r) override {
    receiver("receiver_stopped " + r.name);
  }
  void on_receiver_error(const ReceiverInfo& r) override {
    receiver("receiver_error " + r.last_error);
  }
  void add(const std::string& what, const BatchInfo& b) {
    std::lock_guard lock(m);
    events.push_back(what + " " + std::to_string(b.batch_time.count()));
    infos.push_back(b);
  }
  void receiver(const std::string& what) {
    std::lock_guard lock(m);
    receiver_events.push_back(what);
  }
  std::mutex m;
  std::vector<std::string> events, receiver_events;
  std::vector<BatchInfo> infos;
};

TEST(StreamingContextInputs, ReceiverBlocksBecomeBatchesAndListenersSeeEvents) {
  StreamHarness h;
  EventLog log;
  h.ssc.add_listener(log);
  auto owned = std::make_unique<PushReceiver>();
  auto* rx = owned.get();
  auto in = h.ssc.receiver_stream(std::move(owned));
  Collector<int> c(in);
  h.ssc.start();
  rx->wait_starts(1);
  rx->store(1);
  rx->store(std::vector<int>{2, 3});
  h.run_batches(1);
  h.run_batches(1);  // nothing stored: an empty batch
  rx->store(4);
  h.run_batches(1);
  h.ssc.stop();
  EXPECT_EQ(c.in_order(), (std::vector<std::vector<int>>{{1, 2, 3}, {}, {4}}));
  std::lock_guard lock(log.m);
  EXPECT_EQ(log.events,
            (std::vector<std::string>{"submitted 100", "started 100", "completed 100",
                                      "submitted 200", "started 200", "completed 200",
                                      "submitted 300", "started 300", "completed 300"}));
  EXPECT_EQ(log.infos[2].num_records, 3);
  EXPECT_EQ(log.infos[5].num_records, 0);
  EXPECT_EQ(log.infos[8].num_records, 1);
  const auto& done = log.infos[2];
  ASSERT_TRUE(done.scheduling_delay && done.processing_delay && done.total_delay);
  EXPECT_EQ(*done.total_delay, *done.processing_end_time - done.batch_time);
  EXPECT_EQ(done.output_operations, 1u);
  EXPECT_EQ(log.receiver_events, (std::vector<std::string>{"receiver_started PushReceiver",
                                                           "receiver_stopped PushReceiver"}));
  EXPECT_EQ(rx->stops, 1);
}

TEST(StreamingContextInputs, GracefulStopProcessesEverythingReceived) {
  StreamHarness h;
  auto owned = std::make_unique<PushReceiver>();
  auto* rx = owned.get();
  Collector<int> c(h.ssc.receiver_stream(std::move(owned)));
  h.ssc.start();
  rx->wait_starts(1);
  rx->store(1);
  h.run_batches(1);
  for (int i = 2; i <= 50; ++i) rx->store(i);
  h.ssc.stop(true, true);  // the clock never reaches the next batch: stop processes it anyway
  std::vector<int> all;
  for (auto& b : c.in_order()) all.insert(all.end(), b.begin(), b.end());
  std::vector<int> want(50);
  for (int i = 0; i < 50; ++i) want[static_cast<std::size_t>(i)] = i + 1;
  EXPECT_EQ(sorted(all), want);
}

TEST(StreamingContextInputs, ReceiverRestartAndErrorReports) {
  StreamHarness h;
  EventLog log;
  h.ssc.add_listener(log);
  auto owned = std::make_unique<PushReceiver>();
  owned->restart_first = true;
  owned->report_once = true;
  auto* rx = owned.get();
  Collector<int> c(h.ssc.receiver_stream(std::move(owned)));
  h.ssc.start();
  rx->wait_starts(2);
  rx->store(7);
  h.run_batches(1);
  h.ssc.stop();
  EXPECT_EQ(c.in_order(), (std::vector<std::vector<int>>{{7}}));
  std::lock_guard lock(log.m);
  EXPECT_EQ(
      log.receiver_events,
      (std::vector<std::string>{"receiver_started PushReceiver", "receiver_error something odd",
                                "receiver_stopped PushReceiver", "receiver_started PushReceiver",
                                "receiver_stopped PushReceiver"}));
}

TEST(StreamingContextInputs, RateLimiterHoldsTheRate) {
  ManualClock clock;
  detail::RateLimiter limiter(clock, 10);
  std::stop_source never;
  // The bucket starts empty: nothing passes before the clock moves.
  std::atomic<int> phase{0};
  std::thread t([&] {
    limiter.acquire(10, never.get_token());
    phase = 1;
    limiter.acquire(5, never.get_token());
    phase = 2;
  });
  EXPECT_EQ(phase.load(), 0);
  clock.advance(1100ms);  // a second's worth at most: 10 tokens, the first request only
  while (phase.load() < 1) std::this_thread::yield();
  EXPECT_EQ(phase.load(), 1);
  clock.advance(600ms);  // 6 more
  t.join();
  EXPECT_EQ(phase.load(), 2);
  std::stop_source stop;
  stop.request_stop();
  EXPECT_FALSE(limiter.acquire(10, stop.get_token()));  // stopping ends the wait
}

// Whether limiter.acquire(n), started at clock time 0 on another thread, returns once
// the clock has moved by `by` (moved only after the thread waits, so deterministic).
bool acquire_returns_within(std::int64_t rate, std::int64_t n, Duration by) {
  ManualClock clock;
  detail::RateLimiter limiter(clock, rate, 1ms);  // a bucket of one millisecond's tokens
  std::stop_source never;
  std::atomic<bool> done{false};
  std::thread t([&] {
    limiter.acquire(n, never.get_token());
    done = true;
  });
  while (clock.waiters() == 0) std::this_thread::yield();
  clock.advance(by);
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!done && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
  const bool returned = done.load();
  clock.advance(1000ms);  // lets a late waiter finish either way
  t.join();
  return returned;
}

// A bucket of one millisecond's tokens refills in one millisecond: the waiter must not
// round its sleep up by a whole extra tick (that halved the rate of 1 ms batches).
TEST(StreamingContextInputs, RateLimiterWaitsExactlyForItsTokens) {
  EXPECT_TRUE(acquire_returns_within(100'000, 100, 1ms));
}

// A store larger than the bucket (1024 records, bucket of 100) waits for its tokens once,
// without losing the ones that refill past the cap meanwhile: 1024 at 100'000/s is 11 ms.
TEST(StreamingContextInputs, RateLimiterServesALargeRequestAtTheRate) {
  EXPECT_TRUE(acquire_returns_within(100'000, 1024, 11ms));
}

TEST(StreamingContextCheckpoint, GetOrCreateCallsTheFactoryAndSetsTheDirectory) {
  TempDir dir;
  Context ctx(Config{.parallelism = 2});
  auto clock = std::make_shared<ManualClock>();
  int calls = 0;
  auto ssc = StreamingContext::get_or_create(dir.str(), [&] {
    ++calls;
    StreamingContext s(ctx, 100ms, clock);
    auto in = s.queue_stream(std::deque<Rdd<std::pair<int, int>>>{
        ctx.parallelize(std::vector<std::pair<int, int>>{{1, 1}}, 1)});
    in.update_state_by_key([](const std::vector<int>& v, std::optional<int> s) {
        return std::optional<int>(s.value_or(0) + static_cast<int>(v.size()));
      }).foreach_rdd([](const Rdd<std::pair<int, int>>& r) { r.count(); });
    return s;
  });
  EXPECT_EQ(calls, 1);
  EXPECT_NO_THROW(ssc.start());  // the stateful stream found its checkpoint directory
  clock->advance(100ms);
  ssc.await_batch_completed(100ms);
  ssc.stop();
  EXPECT_TRUE(std::filesystem::exists(dir.path / "metadata"));
}

}  // namespace
}  // namespace rill::test
