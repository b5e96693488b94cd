// Event-time state in recovery mode (get_or_create: every batch's pane state and watermark
// checkpointed, durably) on the system clock, as production runs it: 50 ms batches for
// 8 s of real time, out-of-order and late records. The manual-clock test
// (EventTimeBoundedMemory.RecoveryMode…) runs batches back to back; here checkpoint files
// are written while the next batches are generated on time, so a writer that falls behind
// would show as kept snapshots, files or retained RDDs that grow with the batch count.
// Label "crash" (not run under TSan: real time, like the kill -9 scenarios).
#include <thread>

#include "dstream/stream_test_support.hpp"

namespace rill::test::event_time_system_clock {

using Rec = std::pair<std::int64_t, int>;  // (event time ms, key)
using KV = std::pair<int, long>;
using Window = detail::EventWindowNode<int, long, std::plus<>>;

TEST(EventTimeSystemClock, RecoveryModeStateStaysBoundedOnTheRealClock) {
  using namespace std::chrono_literals;
  // 50 ms, not less: with several fsyncs per batch a slow disk (3.5-7 ms each, seen on CI
  // machines) could not keep up with shorter batches, and a job that falls behind grows
  // its backlog legitimately.
  constexpr int kBatches = 160;
  TempDir ckpt;
  Context ctx(Config{.parallelism = 2, .default_partitions = 2});
  std::atomic<std::int64_t> emitted{0};
  std::shared_ptr<Window> window;
  auto ssc = StreamingContext::get_or_create(ckpt.str(), [&] {
    StreamingContext s(ctx, 50ms);
    std::deque<Rdd<Rec>> q;
    // Event times on their own line (windows do not depend on batch times): 20 ms per
    // batch, one record 60 ms old (inside the delay), one 400 ms old (late).
    for (int i = 1; i <= kBatches; ++i) {
      const std::int64_t t = 20 * i;
      std::vector<Rec> recs;
      for (int k = 0; k < 50; ++k) recs.emplace_back(t - k % 5, k % 7);
      recs.emplace_back(t - 60, 1);
      recs.emplace_back(t - 400, 8);
      q.push_back(ctx.parallelize(std::move(recs), 2));
    }
    auto sums = s.queue_stream(std::move(q))
                    .with_watermark([](const Rec& r) { return Time{r.first}; }, 100ms)
                    .map([](const Rec& r) {
                      return KV{r.second, 1};
                    })
                    .reduce_by_key_and_window(std::plus<>{}, 120ms, 40ms, OutputMode::append);
    sums.foreach_rdd([&](const Rdd<Windowed<KV>>& r) { emitted += r.count(); });
    window = std::dynamic_pointer_cast<Window>(sums.node().parents().at(0));
    return s;
  });
  ASSERT_TRUE(window);
  ssc.start();
  const auto started = std::chrono::steady_clock::now();
  struct Sample {
    std::size_t kept, files, retained, cached;
  };
  std::optional<Sample> first;
  Sample max{0, 0, 0, 0};
  std::size_t samples = 0;
  // Samples every 250 ms from 2 s on (40 batches: past the delay, the window and the
  // first checkpoints) until the queue has been consumed.
  while (std::chrono::steady_clock::now() - started < 50ms * kBatches) {
    std::this_thread::sleep_for(250ms);
    if (std::chrono::steady_clock::now() - started < 2s) continue;
    const Sample s{window->pane_state()->kept_batches(), count_files(ckpt.path),
                   ssc.retained_rdds(), ctx.cached_partitions()};
    if (!first) first = s;
    max = {std::max(max.kept, s.kept), std::max(max.files, s.files),
           std::max(max.retained, s.retained), std::max(max.cached, s.cached)};
    ++samples;
  }
  EXPECT_NO_THROW(ssc.await_termination_or_timeout(Duration{0}));
  ssc.stop();
  ASSERT_TRUE(first);
  ASSERT_GE(samples, 10u);
  // Bounded: over the ~120 sampled batches, growth with the batch count would add
  // ~120; what a loaded machine adds is a few batches' worth of backlog.
  EXPECT_GT(first->files, 0u);
  EXPECT_LE(max.kept, first->kept + 30) << "kept snapshots and windows grow with the batch count";
  EXPECT_LE(max.files, first->files + 60) << "checkpoint files grow with the batch count";
  EXPECT_LE(max.retained, first->retained + 30) << "retained RDDs grow with the batch count";
  EXPECT_LE(max.cached, first->cached + 30) << "cached partitions grow with the batch count";
  EXPECT_GT(emitted.load(), kBatches / 2) << "windows keep closing";
}

}  // namespace rill::test::event_time_system_clock
