// count_by_window and count_by_value_and_window are incremental (Spark's countByWindow =
// map(_ => 1L).reduceByWindow(_ + _, _ - _)), yet need no ssc.checkpoint(dir): their
// lineage is truncated in the Context's own checkpoint directory.
#include "dstream/stream_test_support.hpp"

namespace rill::test {
namespace {

// The incremental window behind a stream built from one (walks the parents).
detail::IncrementalWindow* incremental_window_of(const std::shared_ptr<detail::DStreamBase>& s) {
  if (auto* w = dynamic_cast<detail::IncrementalWindow*>(s.get())) return w;
  for (auto& p : s->parents())
    if (auto* w = incremental_window_of(p)) return w;
  return nullptr;
}

TEST(CountByWindow, IncrementalWithoutCheckpointDirMatchesReference) {
  constexpr int kBatches = 30;
  for (auto [length, slide] : {std::pair{10, 1}, std::pair{4, 2}, std::pair{1, 3}}) {
    SCOPED_TRACE(std::to_string(length) + "x" + std::to_string(slide));
    StreamHarness h;  // no h.ssc.checkpoint(): start() must not throw
    std::vector<std::vector<int>> data(kBatches);
    for (int i = 0; i < kBatches; ++i)
      if (i % 7 != 3)  // some empty batches, and values that leave the window for good
        for (int k = 0; k <= i % 4; ++k) data[static_cast<std::size_t>(i)].push_back((i + k) % 5);
    auto in = h.ssc.queue_stream(h.queue_of(data));
    const Duration len{100 * length}, sl{100 * slide};
    Collector<std::int64_t> cnt(in.count_by_window(len, sl));
    Collector<std::pair<int, std::int64_t>> cbv(in.count_by_value_and_window(len, sl));
    ASSERT_NO_THROW(h.ssc.start());
    h.run_batches(kBatches);
    h.ssc.stop();
    int emitted = 0;
    for (int t = 100 * slide; t <= 100 * kBatches; t += 100 * slide, ++emitted) {
      std::map<int, std::int64_t> counts;
      std::int64_t total = 0;
      for (int i = 0; i < kBatches; ++i) {
        const int bt = 100 * (i + 1);
        if (bt > t - 100 * length && bt <= t)
          for (int x : data[static_cast<std::size_t>(i)]) {
            ++counts[x];
            ++total;
          }
      }
      SCOPED_TRACE("window ending at " + std::to_string(t) + " ms");
      EXPECT_EQ(cnt.batches()[Time{t}], std::vector<std::int64_t>{total});
      // Keys whose count fell to 0 are dropped, as in Spark.
      EXPECT_EQ(cbv.batches()[Time{t}],
                (std::vector<std::pair<int, std::int64_t>>(counts.begin(), counts.end())));
    }
    EXPECT_EQ(cnt.batches().size(), static_cast<std::size_t>(emitted));
  }
}

TEST(CountByWindow, WorkPerSlideDoesNotGrowWithWindowLength) {
  for (int length : {2, 10, 40}) {
    StreamHarness h;
    auto in = h.ssc.queue_stream(
        h.queue_of(std::vector<std::vector<int>>(60, std::vector<int>{1, 2, 2, 3})));
    auto cnt = in.count_by_window(Duration{100 * length}, 100ms);
    auto cbv = in.count_by_value_and_window(Duration{100 * length}, 100ms);
    std::int64_t last_count = -1;
    cnt.foreach_rdd([&](const Rdd<std::int64_t>& r) { last_count = r.collect().at(0); });
    cbv.foreach_rdd([](const Rdd<std::pair<int, std::int64_t>>& r) { r.count(); });
    h.ssc.start();
    h.run_batches(60);
    h.ssc.stop();
    EXPECT_EQ(last_count, 4 * length);
    for (auto* hook :
         {incremental_window_of(cnt.node_ptr()), incremental_window_of(cbv.node_ptr())}) {
      ASSERT_NE(hook, nullptr) << "length " << length;
      // Steady state: the previous window, one batch entering, one leaving.
      EXPECT_EQ(hook->rdds_combined_last(), 3u) << "length " << length;
      EXPECT_LE(hook->rdds_combined_max(), 3u) << "length " << length;
    }
  }
}

TEST(CountByWindow, LongRunLineageStaysShortWithoutCheckpointDir) {
  StreamHarness h;
  auto in = h.ssc.queue_stream(h.queue_of(std::vector<std::vector<int>>(45, std::vector<int>{7})));
  Rdd<std::int64_t> last;
  in.count_by_window(300ms, 100ms).foreach_rdd([&](const Rdd<std::int64_t>& r) {
    r.count();
    last = r;
  });
  h.ssc.start();
  // The background writer is drained after each batch: on a loaded machine it can lag,
  // and a checkpoint due while it lags is skipped (dstream_node.hpp), which would make
  // the lineage longer by design (ctest -j2 failed this 1 time in 40).
  for (int b = 0; b < 45; ++b) {
    h.run_batches(1);
    h.ctx.state()->checkpoint_writer().drain();
  }
  h.ssc.stop();
  EXPECT_EQ(last.collect(), std::vector<std::int64_t>{3});
  auto lineage = last.debug_string();
  EXPECT_NE(lineage.find("checkpointed"), std::string::npos) << lineage;
  EXPECT_LT(std::count(lineage.begin(), lineage.end(), '\n'), 120) << lineage;
}

}  // namespace
}  // namespace rill::test
