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

// In recovery mode (get_or_create) every batch's watermark and pane state is checkpointed,
// and the state after each batch is kept until its checkpoint has been written and the
// batch forgotten. Those snapshots, the retained RDDs, the cached partitions and the
// checkpoint files must not grow with the batch count either.
TEST(EventTimeBoundedMemory, RecoveryModeKeepsSnapshotsAndCheckpointFilesBounded) {
  constexpr int kBatches = 1500;
  TempDir ckpt;
  Context ctx(Config{.parallelism = 2, .default_partitions = 2});
  auto clock = std::make_shared<ManualClock>();
  std::atomic<std::int64_t> emitted{0};
  std::shared_ptr<detail::EventWindowNode<int, long, std::plus<>>> window;
  auto ssc = StreamingContext::get_or_create(ckpt.str(), [&] {
    StreamingContext s(ctx, 10ms, clock);
    std::deque<Rdd<Rec>> q;
    for (int i = 1; i <= kBatches; ++i) {
      const std::int64_t t = 10 * i;
      q.push_back(
          ctx.parallelize(std::vector<Rec>{{t, i % 3}, {t - 30, (i + 1) % 3}, {t - 200, 7}}, 2));
    }
    auto sums = s.queue_stream(std::move(q))
                    .with_watermark([](const Rec& r) { return Time{r.first}; }, 40ms)
                    .map([](const Rec& r) {
                      return KV{r.second, 1};
                    })
                    .reduce_by_key_and_window(std::plus<>{}, 60ms, 20ms, OutputMode::append);
    sums.foreach_rdd([&](const Rdd<Windowed<KV>>& r) { emitted += r.count(); });
    window = std::dynamic_pointer_cast<detail::EventWindowNode<int, long, std::plus<>>>(
        sums.node().parents().at(0));
    return s;
  });
  ASSERT_TRUE(window);
  ssc.start();
  auto files = [&] {
    std::size_t n = 0;
    for (auto& e : std::filesystem::recursive_directory_iterator(ckpt.path))
      n += e.is_regular_file() ? 1 : 0;
    return n;
  };
  std::size_t kept_at_500 = 0, files_at_500 = 0, retained_at_500 = 0, cached_at_500 = 0;
  std::size_t max_kept = 0, max_files = 0, max_retained = 0, max_cached = 0;
  for (int i = 1; i <= kBatches; ++i) {
    clock->advance(10ms);
    ssc.await_batch_completed(clock->now());
    if (i % 100 != 0 || i < 500) continue;
    const auto kept = window->pane_state()->kept_batches();
    if (i == 500) {
      kept_at_500 = kept;
      files_at_500 = files();
      retained_at_500 = ssc.retained_rdds();
      cached_at_500 = ctx.cached_partitions();
    }
    max_kept = std::max(max_kept, kept);
    max_files = std::max(max_files, files());
    max_retained = std::max(max_retained, ssc.retained_rdds());
    max_cached = std::max(max_cached, ctx.cached_partitions());
  }
  EXPECT_NO_THROW(ssc.await_termination_or_timeout(Duration{0}));
  ssc.stop();
  EXPECT_GT(kept_at_500, 0u) << "recovery mode keeps the state after each batch a while";
  EXPECT_GT(files_at_500, 0u);
  EXPECT_LE(max_kept, kept_at_500 + 8) << "kept snapshots and windows grow with the batch count";
  EXPECT_LE(max_files, files_at_500 + 20) << "checkpoint files grow with the batch count";
  EXPECT_LE(max_retained, retained_at_500 + 5) << "retained RDDs grow with the batch count";
  EXPECT_LE(max_cached, cached_at_500 + 10) << "cached partitions grow with the batch count";
  EXPECT_GT(emitted.load(), kBatches) << "windows keep closing";
}

}  // namespace rill::test::event_time_memory
