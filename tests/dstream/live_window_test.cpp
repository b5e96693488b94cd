// The inverse window's tables kept between slides (LiveWindow): attacked where an
// in-place update could go wrong — a slide that fails halfway and is retried, a window
// whose cached partitions are lost and recomputed after later slides moved on, and
// windows read again long after (a table is used only if it holds exactly the window
// before, so a recomputed old window can cost speed, never a wrong result) — each
// checked against a serial reference.
#include <atomic>

#include "dstream/stream_test_support.hpp"

namespace rill::test {
namespace {

using KV = std::pair<int, int>;

// The inverse window at batch time t (ms, a multiple of 100): every key seen by then,
// with the sum of its values in the batches of (t - length, t] (0 once it left).
std::vector<KV> window_with_zeros(const std::vector<std::vector<KV>>& data, int t, int length) {
  std::map<int, int> sums;
  for (std::size_t i = 0; i < data.size() && 100 * static_cast<int>(i + 1) <= t; ++i)
    for (auto [k, v] : data[i]) sums[k] += 100 * static_cast<int>(i + 1) > t - length ? v : 0;
  return {sums.begin(), sums.end()};
}

TEST(LiveWindow, ASlideThatFailsHalfwayIsRetriedFromThePreviousWindow) {
  for (int fail_at : {1, 5, 9, 20}) {
    SCOPED_TRACE("inverse throws at its call " + std::to_string(fail_at));
    StreamHarness h;
    TempDir ckpt;
    h.ssc.checkpoint(ckpt.str());
    const auto data = pair_batches(16, 6, 5);
    auto in = h.ssc.queue_stream(h.queue_of(data));
    auto calls = std::make_shared<std::atomic<int>>(0);
    Collector<KV> win(in.reduce_by_key_and_window(
        std::plus<>{},
        [calls, fail_at](int a, int b) {
          // Once, after the slide has already subtracted some of its leaving values.
          if (++*calls == fail_at) throw std::runtime_error("inverse failed once");
          return a - b;
        },
        300ms, 100ms));
    h.ssc.start();
    h.run_batches(16);
    h.ssc.stop();
    ASSERT_GE(calls->load(), fail_at) << "the failure was injected";
    for (int t = 100; t <= 1600; t += 100)
      EXPECT_EQ(win.batches()[Time{t}], window_with_zeros(data, t, 300)) << "at " << t << " ms";
  }
}

TEST(LiveWindow, LostWindowPartitionsAreRecomputedAndLaterSlidesStayRight) {
  StreamHarness h;
  TempDir ckpt;
  h.ssc.checkpoint(ckpt.str());
  const auto data = pair_batches(20, 8, 0);
  auto in = h.ssc.queue_stream(h.queue_of(data));
  auto windows = in.reduce_by_key_and_window(std::plus<>{}, std::minus<>{}, 400ms, 200ms, 3);
  auto rdds = std::make_shared<std::map<Time, Rdd<KV>>>();
  auto mutex = std::make_shared<std::mutex>();
  windows.foreach_rdd([rdds, mutex](const Rdd<KV>& r, Time t) {
    r.count();
    std::lock_guard lock(*mutex);
    rdds->emplace(t, r);
  });
  Collector<KV> win(windows);
  h.ssc.start();
  h.run_batches(10);
  // Lose every cached partition of the windows so far, read two of them again (from
  // lineage, while the tables already hold the window at 1000 ms), then go on.
  {
    std::lock_guard lock(*mutex);
    for (auto& [t, r] : *rdds)
      for (std::size_t p = 0; p < 3; ++p) h.ctx.drop_cached_partition(r.id(), p);
    for (const Time t : {Time{600}, Time{1000}}) {
      auto got = rdds->at(t).collect();
      std::sort(got.begin(), got.end());
      EXPECT_EQ(got, window_with_zeros(data, static_cast<int>(t.count()), 400)) << t.count();
    }
  }
  h.run_batches(10);
  h.ssc.stop();
  for (int t = 200; t <= 2000; t += 200)
    EXPECT_EQ(win.batches()[Time{t}], window_with_zeros(data, t, 400)) << "at " << t << " ms";
}

}  // namespace
}  // namespace rill::test
