// Event-time state stays bounded by (delay + length) x input rate however long the stream
// runs: 10 000 manual-clock batches of out-of-order and late records through an
// event-time window; the panes held, the RDDs the streams retain and the partitions the
// context caches must not grow with the batch count.
#include "dstream/stream_test_support.hpp"

namespace rill::test::event_time_memory {

using Rec = std::pair<std::int64_t, int>;  // (event time ms, key)
using KV = std::pair<int, long>;

TEST(EventTimeBoundedMemory, TenThousandBatchesKeepPanesRetainedRddsAndCachedPartitionsBounded) {
  StreamHarness h(10ms, Config{.parallelism = 2, .default_partitions = 1});
  TempDir ckpt;
  h.ssc.checkpoint(ckpt.str());
  constexpr int kBatches = 10000;
  // Batch i (time 10 i ms) holds records stamped up to 30 ms before it, and one 200 ms
  // before it (late once the stream runs: delay 40 ms).
  std::deque<Rdd<Rec>> q;
  for (int i = 1; i <= kBatches; ++i) {
    const std::int64_t t = 10 * i;
    q.push_back(h.ctx.parallelize(
        std::vector<Rec>{{t, i % 3}, {t - 30, (i + 1) % 3}, {t - 5, i % 5}, {t - 200, 7}}, 1));
  }
  auto timed = h.ssc.queue_stream(std::move(q))
                   .with_watermark([](const Rec& r) { return Time{r.first}; }, 40ms);
  auto sums = timed.map([](const Rec& r) {
                     return KV{r.second, 1};
                   })
                  .reduce_by_key_and_window(std::plus<>{}, 60ms, 20ms, OutputMode::append);
  std::atomic<std::int64_t> emitted{0}, late{0};
  sums.foreach_rdd([&](const Rdd<Windowed<KV>>& r) { emitted += r.count(); });
  timed.late_records().foreach_rdd([&](const Rdd<Rec>& r) { late += r.count(); });
  // The window state: one (key, (pane, value)) entry per pane a key has records in.
  auto state =
      std::dynamic_pointer_cast<detail::DStreamNode<std::pair<int, std::pair<std::int64_t, long>>>>(
          sums.node().parents().at(0));
  ASSERT_TRUE(state);
  h.ssc.start();
  std::size_t max_panes = 0;
  const auto peaks = run_tracking_retention(h, kBatches, [&](int i) {
    if (i % 1000 != 0) return;
    const auto t = h.clock->now();
    const auto panes = static_cast<std::size_t>(state->slice(t, t).at(0).count());
    max_panes = std::max(max_panes, panes);
  });
  h.ssc.stop();
  EXPECT_LE(peaks.max_retained, peaks.retained_at_1000 + 5)
      << "retained RDDs grow with the batch count";
  EXPECT_LE(peaks.max_cached, peaks.cached_at_1000 + 10)
      << "cached partitions grow with the batch count";
  // Open panes (20 ms each) span at most delay + length + the 30 ms disorder, per key.
  EXPECT_LE(max_panes, 8u * 10u) << "panes grow with the batch count";
  EXPECT_GT(emitted.load(), kBatches / 2 * 3) << "windows keep closing";
  EXPECT_GE(late.load(), kBatches - 30) << "the 200 ms old record of each batch is late";
}

}  // namespace rill::test::event_time_memory
