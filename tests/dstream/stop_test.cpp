// stop() from every place a user may call it: inside an output operation, twice, before
// start(). Deterministic with the manual clock: many batches are made due at once, so a
// batch after the stopping one would run unless stop() prevents it.
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
