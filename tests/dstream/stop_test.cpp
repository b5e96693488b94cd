// stop() from every place a user may call it: inside an output operation, inside a
// transform function, inside a listener callback, twice, before start(). Deterministic with the
// manual clock: many batches are made due at once, so a batch after the stopping one would run
// unless stop() prevents it.
#include "dstream/stream_test_support.hpp"

namespace rill::test {
namespace {

using Log = std::vector<std::pair<int, std::int64_t>>;  // (output, batch time ms)

TEST(StreamingContextStop, StopInsideForeachRddReturnsAndNoLaterBatchRuns) {
  for (int concurrent : {1, 3}) {
    for (bool graceful : {false, true}) {
      SCOPED_TRACE("concurrent_jobs " + std::to_string(concurrent) + " graceful " +
                   std::to_string(graceful));
      StreamHarness h(100ms, Config{.parallelism = 2, .concurrent_jobs = concurrent});
      auto in =
          h.ssc.queue_stream(h.queue_of(std::vector<std::vector<int>>(10, std::vector<int>{1})));
      std::mutex m;
      Log log;
      bool returned = false;
      in.foreach_rdd([&](const Rdd<int>& r, Time t) {
        r.count();
        {
          std::lock_guard lock(m);
          log.emplace_back(0, t.count());
        }
        if (t == 300ms) {
          h.ssc.stop(false, graceful);
          h.ssc.stop(false, graceful);  // a second call from the same batch: harmless
          std::lock_guard lock(m);
          returned = true;
        }
      });
      in.foreach_rdd([&](const Rdd<int>& r, Time t) {
        r.count();
        std::lock_guard lock(m);
        log.emplace_back(1, t.count());
      });
      h.ssc.start();
      h.clock->advance(1000ms);  // ten batches due at once
      ASSERT_TRUE(h.ssc.await_termination_or_timeout(30s)) << "stop() inside a batch hung";
      EXPECT_THROW(h.ssc.await_batch_completed(400ms, 1s), std::runtime_error);
      h.ssc.stop();  // after an inner stop: harmless, and returns once everything ended
      std::lock_guard lock(m);
      EXPECT_TRUE(returned);
      // The stopping batch finishes (its later output included); nothing after it runs.
      // (Concurrent batches may interleave outputs, so the log is compared sorted.)
      EXPECT_EQ(sorted(log), (Log{{0, 100}, {0, 200}, {0, 300}, {1, 100}, {1, 200}, {1, 300}}));
      EXPECT_EQ(h.ssc.last_completed_batch(), std::optional<Time>(300ms));
    }
  }
}

// A listener runs on the listener bus, which stop() drains and joins: called there, stop()
// returns at once and another thread finishes the stop (Spark throws instead).
TEST(StreamingContextStop, StopFromAListenerCallbackReturnsAndTheContextStops) {
  for (bool graceful : {false, true}) {
    SCOPED_TRACE("graceful " + std::to_string(graceful));
    StreamHarness h;
    Collector<int> c(
        h.ssc.queue_stream(h.queue_of(std::vector<std::vector<int>>(10, std::vector<int>{1}))));
    struct Stopper final : StreamingListener {
      StreamingContext* ssc = nullptr;
      bool graceful = false;
      std::atomic<bool> returned{false};
      void on_batch_completed(const BatchInfo& b) override {
        if (b.batch_time != 300ms) return;
        ssc->stop(false, graceful);
        ssc->stop(false, graceful);  // twice: harmless here too
        returned = true;
      }
    } stopper;
    stopper.ssc = &h.ssc;
    stopper.graceful = graceful;
    h.ssc.add_listener(stopper);
    h.ssc.start();
    h.run_batches(3);
    ASSERT_TRUE(h.ssc.await_termination_or_timeout(30s)) << "stop() in a listener hung";
    EXPECT_TRUE(stopper.returned.load());
    // Batches 100..300 completed; the clock never reached a later one.
    EXPECT_EQ(c.in_order(), (std::vector<std::vector<int>>{{1}, {1}, {1}}));
  }
}

// A transform function runs on the job generator's thread, which stop() joins.
TEST(StreamingContextStop, StopInsideATransformFunctionReturnsAndTheContextStops) {
  StreamHarness h;
  auto in = h.ssc.queue_stream(h.queue_of(std::vector<std::vector<int>>(10, std::vector<int>{1})));
  std::atomic<bool> returned{false};
  Collector<int> c(in.transform([&](const Rdd<int>& r, Time t) {
    if (t == 200ms) {
      h.ssc.stop();
      returned = true;
    }
    return r;
  }));
  h.ssc.start();
  h.clock->advance(200ms);
  ASSERT_TRUE(h.ssc.await_termination_or_timeout(30s)) << "stop() inside transform hung";
  EXPECT_TRUE(returned.load());
  h.clock->advance(1000ms);  // no batch runs after the stop
  EXPECT_LE(c.in_order().size(), 2u);
}

TEST(StreamingContextStop, StopTwiceAndStopBeforeStartAreHarmless) {
  {
    StreamHarness h;
    h.ssc.queue_stream(h.queue_of(std::vector<std::vector<int>>{{1}}))
        .foreach_rdd([](const Rdd<int>&) {});
    EXPECT_NO_THROW(h.ssc.stop());
    EXPECT_NO_THROW(h.ssc.stop(false, true));
    EXPECT_TRUE(h.ssc.await_termination_or_timeout(10ms));
    // Like Spark: a stopped context cannot be started again.
    EXPECT_THROW(h.ssc.start(), std::logic_error);
  }
  {
    StreamHarness h;
    Collector<int> c(h.ssc.queue_stream(h.queue_of(std::vector<std::vector<int>>{{1}, {2}})));
    h.ssc.start();
    h.run_batches(2);
    EXPECT_NO_THROW(h.ssc.stop(false, true));
    EXPECT_NO_THROW(h.ssc.stop());
    EXPECT_NO_THROW(h.ssc.stop(true, false));
    EXPECT_EQ(c.in_order(), (std::vector<std::vector<int>>{{1}, {2}}));
  }
}

TEST(StreamingContextStop, DestroyingAContextStoppedFromInsideABatchIsClean) {
  // No await: the context is destroyed while the inner stop may still be finishing.
  for (int i = 0; i < 5; ++i) {
    StreamHarness h;
    std::atomic<int> calls{0};
    auto in = h.ssc.queue_stream(h.queue_of(std::vector<std::vector<int>>(5, std::vector<int>{1})));
    in.foreach_rdd([&](const Rdd<int>&, Time t) {
      ++calls;
      if (t == 100ms) h.ssc.stop();
    });
    h.ssc.start();
    h.clock->advance(500ms);
    h.ssc.await_termination();
    EXPECT_EQ(calls.load(), 1);
  }
}

}  // namespace
}  // namespace rill::test
