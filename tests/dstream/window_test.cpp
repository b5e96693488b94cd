#include "dstream/stream_test_support.hpp"

namespace rill::test {
namespace {

using KV = std::pair<int, int>;
constexpr int kBatchesRun = 24;

// (window, slide) in batch intervals.
struct WindowCase {
  int length, slide;
};
std::ostream& operator<<(std::ostream& os, const WindowCase& c) {
  return os << c.length << "x" << c.slide;
}

const std::vector<WindowCase> kCases{{1, 1}, {2, 2}, {10, 1}, {20, 2}, {3, 1},
                                     {4, 2}, {6, 3}, {5, 5},  {1, 2}};

// Indices of the batches in the window that ends at batch time t (ms): times in (t - L, t].
std::vector<std::size_t> window_batches(int t, int length_ms, int batches) {
  std::vector<std::size_t> out;
  for (int i = 0; i < batches; ++i) {
    const int bt = 100 * (i + 1);
    if (bt > t - length_ms && bt <= t) out.push_back(static_cast<std::size_t>(i));
  }
  return out;
}

class WindowTest : public ::testing::TestWithParam<WindowCase> {};

TEST_P(WindowTest, WindowAndWindowedAggregatesMatchReference) {
  const auto c = GetParam();
  const Duration length{100 * c.length}, slide{100 * c.slide};
  StreamHarness h;
  TempDir ckpt;
  h.ssc.checkpoint(ckpt.str());
  auto data = pair_batches(kBatchesRun, 6, 5);
  auto in = h.ssc.queue_stream(h.queue_of(data));
  auto values = in.map([](KV kv) { return kv.second; });
  Collector<KV> win(in.window(length, slide));
  Collector<std::int64_t> cnt(in.count_by_window(length, slide));
  Collector<int> red(values.reduce_by_window(std::plus<>{}, length, slide));
  Collector<std::pair<int, std::int64_t>> cbv(values.count_by_value_and_window(length, slide));
  Collector<KV> rbk(in.reduce_by_key_and_window(std::plus<>{}, length, slide));
  Collector<KV> inv(in.reduce_by_key_and_window(std::plus<>{}, std::minus<>{}, length, slide));
  Collector<KV> inv_f(in.reduce_by_key_and_window(std::plus<>{}, std::minus<>{}, length, slide, 3,
                                                  [](const KV& kv) { return kv.second != 0; }));
  // Heap-allocated string keys: cached windows and batches are read in place.
  using SV = std::pair<std::string, int>;
  auto long_keys = in.map([](KV kv) {
    return SV("a key longer than the small-string buffer " + std::to_string(kv.first), kv.second);
  });
  Collector<SV> inv_s(
      long_keys.reduce_by_key_and_window(std::plus<>{}, std::minus<>{}, length, slide));
  h.ssc.start();
  h.run_batches(kBatchesRun);
  h.ssc.stop();

  std::set<int> seen_keys;
  std::size_t next_seen = 0;
  int emitted = 0;
  for (int t = 100 * c.slide; t <= 100 * kBatchesRun; t += 100 * c.slide, ++emitted) {
    const Time bt{t};
    for (; next_seen < data.size() && 100 * static_cast<int>(next_seen + 1) <= t; ++next_seen)
      for (auto [k, v] : data[next_seen]) seen_keys.insert(k);
    std::vector<KV> all;
    for (auto i : window_batches(t, 100 * c.length, kBatchesRun))
      all.insert(all.end(), data[i].begin(), data[i].end());
    std::map<int, int> sums;
    std::map<int, std::int64_t> counts;
    int total = 0;
    for (auto [k, v] : all) {
      sums[k] += v;
      ++counts[v];
      total += v;
    }
    SCOPED_TRACE("window ending at " + std::to_string(t) + " ms");
    EXPECT_EQ(win.batches()[bt], sorted(all));
    EXPECT_EQ(cnt.batches()[bt],
              (std::vector<std::int64_t>{static_cast<std::int64_t>(all.size())}));
    EXPECT_EQ(red.batches()[bt], all.empty() ? std::vector<int>{} : std::vector<int>{total});
    EXPECT_EQ(cbv.batches()[bt],
              (std::vector<std::pair<int, std::int64_t>>(counts.begin(), counts.end())));
    EXPECT_EQ(rbk.batches()[bt], (std::vector<KV>(sums.begin(), sums.end())));
    // The inverse form keeps every key it has seen, at 0 once it left the window
    // (only when windows overlap or touch; a window shorter than its slide restarts).
    std::vector<KV> with_zeros;
    if (c.length >= c.slide) {
      for (int k : seen_keys) with_zeros.emplace_back(k, sums.count(k) ? sums[k] : 0);
    } else {
      with_zeros.assign(sums.begin(), sums.end());
    }
    EXPECT_EQ(inv.batches()[bt], with_zeros);
    std::vector<SV> long_zeros;
    for (auto [k, v] : with_zeros)
      long_zeros.emplace_back("a key longer than the small-string buffer " + std::to_string(k), v);
    std::sort(long_zeros.begin(), long_zeros.end());
    EXPECT_EQ(inv_s.batches()[bt], long_zeros);
    EXPECT_EQ(inv_f.batches()[bt], (std::vector<KV>(sums.begin(), sums.end())));
  }
  EXPECT_EQ(win.batches().size(), static_cast<std::size_t>(emitted)) << "one window per slide";
}

INSTANTIATE_TEST_SUITE_P(Shapes, WindowTest, ::testing::ValuesIn(kCases));

TEST(WindowIncremental, WorkPerSlideDoesNotGrowWithWindowLength) {
  std::vector<std::size_t> max_combined;
  for (int length : {2, 10, 40}) {
    StreamHarness h;
    TempDir ckpt;
    h.ssc.checkpoint(ckpt.str());
    auto in = h.ssc.queue_stream(h.queue_of(pair_batches(60, 4)));
    auto w =
        in.reduce_by_key_and_window(std::plus<>{}, std::minus<>{}, Duration{100 * length}, 100ms);
    w.foreach_rdd([](const Rdd<KV>& r) { r.count(); });
    h.ssc.start();
    h.run_batches(60);
    auto* hook = dynamic_cast<detail::IncrementalWindow*>(w.node_ptr().get());
    ASSERT_NE(hook, nullptr);
    // Steady state: the previous window, one batch entering, one leaving.
    EXPECT_EQ(hook->rdds_combined_last(), 3u) << "length " << length;
    max_combined.push_back(hook->rdds_combined_max());
    h.ssc.stop();
  }
  // The very first window reduces the batches that exist (just one here), so the
  // maximum is the same for every length.
  EXPECT_EQ(max_combined[0], max_combined[2]);
  EXPECT_LE(max_combined[2], 3u);
}

TEST(WindowValidation, LengthAndSlideMustBeMultiplesOfTheInterval) {
  StreamHarness h;
  auto in = h.ssc.queue_stream(h.queue_of(std::vector<std::vector<KV>>{}));
  EXPECT_THROW(in.window(150ms, 100ms), std::invalid_argument);
  EXPECT_THROW(in.window(200ms, 50ms), std::invalid_argument);
  EXPECT_THROW(in.window(0ms, 100ms), std::invalid_argument);
  EXPECT_THROW(in.window(200ms, -100ms), std::invalid_argument);
  EXPECT_THROW(in.count_by_window(250ms, 100ms), std::invalid_argument);
  EXPECT_THROW(in.reduce_by_key_and_window(std::plus<>{}, 350ms, 100ms), std::invalid_argument);
  EXPECT_THROW(in.reduce_by_key_and_window(std::plus<>{}, std::minus<>{}, 300ms, 150ms),
               std::invalid_argument);
  // A window of a window: multiples of the inner slide.
  auto w = in.window(400ms, 200ms);
  EXPECT_THROW(w.window(300ms, 200ms), std::invalid_argument);
  EXPECT_NO_THROW(w.window(800ms, 400ms));
  try {
    in.window(150ms, 100ms);
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("150"), std::string::npos) << e.what();
  }
}

TEST(WindowSlice, SliceReturnsTheRddsOfATimeRange) {
  StreamHarness h;
  std::vector<std::vector<int>> data{{1}, {2}, {3}, {4}, {5}};
  auto in = h.ssc.queue_stream(h.queue_of(data));
  in.foreach_rdd([](const Rdd<int>&) {});
  h.ssc.remember(1000ms);
  h.ssc.start();
  h.run_batches(5);
  auto rdds = in.slice(200ms, 400ms);
  ASSERT_EQ(rdds.size(), 3u);
  EXPECT_EQ(rdds[0].collect(), std::vector<int>{2});
  EXPECT_EQ(rdds[2].collect(), std::vector<int>{4});
  h.ssc.stop();
}

}  // namespace
}  // namespace rill::test
