#include "dstream/stream_test_support.hpp"

namespace rill::test {
namespace {

using KV = std::pair<int, int>;

// 10 000 tiny batches through windows, an incremental window and state: the RDDs the
// streams hold and the partitions the context caches must not grow with the batch count.
TEST(DStreamBoundedMemory, TenThousandBatchesKeepRetainedRddsAndCachedPartitionsBounded) {
  StreamHarness h(10ms, Config{.parallelism = 2, .default_partitions = 1});
  TempDir ckpt;
  h.ssc.checkpoint(ckpt.str());
  auto in = h.ssc.queue_stream(std::deque<Rdd<KV>>{}, true,
                               h.ctx.parallelize(std::vector<KV>{{1, 1}, {2, 1}}, 1));
  auto windowed = in.window(50ms, 20ms).count();
  auto inverse = in.reduce_by_key_and_window(std::plus<>{}, std::minus<>{}, 100ms, 10ms);
  auto state = in.update_state_by_key([](const std::vector<int>& v, std::optional<long> s) {
    return std::optional<long>(s.value_or(0) + static_cast<long>(v.size()));
  });
  std::atomic<std::int64_t> last_window{0};
  std::vector<KV> last_inverse;
  std::vector<std::pair<int, long>> last_state;
  windowed.foreach_rdd([&](const Rdd<std::int64_t>& r) { last_window = r.collect().at(0); });
  inverse.foreach_rdd([&](const Rdd<KV>& r) { last_inverse = sorted(r.collect()); });
  state.foreach_rdd([&](const Rdd<std::pair<int, long>>& r) { last_state = sorted(r.collect()); });
  h.ssc.start();
  const auto peaks = run_tracking_retention(h, 10000);
  h.ssc.stop();
  EXPECT_EQ(last_window.load(), 10);  // 5 batches of 2 records
  EXPECT_EQ(last_inverse, (std::vector<KV>{{1, 10}, {2, 10}}));
  EXPECT_EQ(last_state, (std::vector<std::pair<int, long>>{{1, 10000}, {2, 10000}}));
  EXPECT_LE(peaks.max_retained, peaks.retained_at_1000 + 5)
      << "retained RDDs grow with the batch count";
  EXPECT_LE(peaks.max_retained, 40u);
  EXPECT_LE(peaks.max_cached, peaks.cached_at_1000 + 10)
      << "cached partitions grow with the batch count";
  EXPECT_LE(peaks.max_cached, 60u);
  // Old state checkpoints are deleted as newer ones complete; the deletions run on the
  // background checkpoint writer, which stop() drains (a loaded machine delays them).
  h.ssc.stop();
  std::size_t ckpt_dirs = 0;
  for (auto& stream : std::filesystem::directory_iterator(ckpt.path))
    if (stream.is_directory())
      for ([[maybe_unused]] auto& rdd : std::filesystem::directory_iterator(stream.path()))
        ++ckpt_dirs;
  EXPECT_LE(ckpt_dirs, 8u);
}

}  // namespace
}  // namespace rill::test
