// Streaming windowed word count: a receiver feeds words from memory at a fixed rate
// (Config::receiver_max_rate) into words -> (w, 1) -> reduce_by_key_and_window(+, -,
// 10 batches, 1 batch); each run reports the records/s processed and the p50 / p99 batch
// total delay. A rate is sustained when p99 stays below 3 batch intervals. The twin is a
// hand-written TBB loop doing the same windowed counts over batches as fast as it can.
#include <benchmark/benchmark.h>
#include <oneapi/tbb/enumerable_thread_specific.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/task_arena.h>

#include <algorithm>
#include <deque>
#include <filesystem>
#include <mutex>
#include <optional>
#include <rill/rill.hpp>

#include "bench_support.hpp"

namespace {

using namespace std::chrono_literals;

const std::vector<std::string>& word_feed() {
  static const std::vector<std::string> feed = [] {
    std::vector<std::string> vocab(10'000);
    for (std::size_t i = 0; i < vocab.size(); ++i)
      vocab[i] = "w" + std::to_string(rill_bench::splitmix64(i) % 100'000);
    std::vector<std::string> out(1 << 20);
    for (std::size_t i = 0; i < out.size(); ++i) {
      // Zipf-ish: small ranks are much more frequent.
      const auto r = rill_bench::splitmix64(i + 17);
      out[i] = vocab[(r % 100) < 50 ? r % 100 : r % vocab.size()];
    }
    return out;
  }();
  return feed;
}

class FeedReceiver final : public rill::Receiver<std::string> {
 public:
  void on_start() override {
    const auto& feed = word_feed();
    constexpr std::size_t kBlock = 1024;
    for (std::size_t i = 0; !is_stopped(); i = (i + kBlock) % feed.size())
      store(std::vector<std::string>(
          feed.begin() + static_cast<long>(i),
          feed.begin() + static_cast<long>(std::min(i + kBlock, feed.size()))));
  }
  void on_stop() override {}
  std::string name() const override { return "FeedReceiver"; }
};

// Counts only batches more than `warmup` after the first one: the first batches of a run
// fault in fresh heap pages and grow every hash table from empty, which says nothing about
// the rate a long-running stream sustains. (Batch times are system-clock times: until
// 2026-12-04 this compared them with the bare warm-up, so no batch was ever excluded, and
// records_per_s, divided by the run minus the warm-up, read 1.2x high.)
class DelayListener final : public rill::StreamingListener {
 public:
  explicit DelayListener(rill::Duration warmup) : warmup_(warmup) {}
  void on_batch_completed(const rill::BatchInfo& b) override {
    std::lock_guard lock(mutex_);
    all_records_ += b.num_records;
    if (!first_) first_ = b.batch_time;  // the bus reports batches in order
    if (b.batch_time - *first_ <= warmup_) return;
    last_ = b.batch_time;
    records_ += b.num_records;
    if (b.total_delay) delays_.push_back(static_cast<double>(b.total_delay->count()));
  }
  // Records per second of batch time over the counted batches (times in
  // (first + warmup, last], so the span is their number of intervals).
  double records_per_s() const {
    std::lock_guard lock(mutex_);
    if (!first_ || !last_) return 0;
    const auto span = *last_ - (*first_ + warmup_);
    return double(records_) * 1e3 / double(std::max<std::int64_t>(1, span.count()));
  }
  std::int64_t all_records() const {
    std::lock_guard lock(mutex_);
    return all_records_;
  }
  double percentile(double q) const {
    std::lock_guard lock(mutex_);
    if (delays_.empty()) return 0;
    std::vector<double> d = delays_;
    std::sort(d.begin(), d.end());
    return d[std::min(d.size() - 1, static_cast<std::size_t>(q * double(d.size())))];
  }

 private:
  const rill::Duration warmup_;
  std::optional<rill::Time> first_, last_;
  mutable std::mutex mutex_;
  std::int64_t records_ = 0;
  std::int64_t all_records_ = 0;
  std::vector<double> delays_;
};

void BM_StreamingWordCount_rill(benchmark::State& state) {
  const auto interval = std::chrono::milliseconds(state.range(0));
  const std::int64_t rate = state.range(1);
  const auto seconds = rill_bench::env_int("RILL_BENCH_STREAM_SECONDS", 3);
  const auto warmup = std::chrono::milliseconds(rill_bench::env_int("RILL_BENCH_WARMUP_MS", 500));
  word_feed();  // built before the clock starts, not by the receiver's first call
  for (auto _ : state) {
    rill::Context ctx(rill::Config{.parallelism = rill_bench::kParallelism,
                                   .default_partitions = 2,
                                   .receiver_max_rate = rate});
    rill::StreamingContext ssc(ctx, interval);
    const auto dir = std::filesystem::temp_directory_path() /
                     ("rill-bench-stream-" + std::to_string(::getpid()));
    ssc.checkpoint(dir.string());
    DelayListener listener(warmup);
    ssc.add_listener(listener);
    // RILL_BENCH_BATCH_LOG=file: one JSON line per batch, to see where the tail comes from.
    std::optional<rill::JsonBatchListener> batch_log;
    if (const char* path = std::getenv("RILL_BENCH_BATCH_LOG")) {
      batch_log.emplace(path);
      ssc.add_listener(*batch_log);
    }
    std::atomic<std::int64_t> keys{0};
    ssc.receiver_stream(std::make_unique<FeedReceiver>())
        .map([](const std::string& w) { return std::pair<std::string, std::int64_t>(w, 1); })
        .reduce_by_key_and_window(std::plus<std::int64_t>{}, std::minus<std::int64_t>{},
                                  interval * 10, interval)
        .foreach_rdd([&](const rill::Rdd<std::pair<std::string, std::int64_t>>& rdd) {
          keys = rdd.count();
        });
    const auto t0 = std::chrono::steady_clock::now();
    const double cpu0 = rill_bench::process_cpu_seconds();
    ssc.start();
    ssc.await_termination_or_timeout(std::chrono::seconds(seconds));
    ssc.stop(false, false);
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double cpu = rill_bench::process_cpu_seconds() - cpu0;
    std::filesystem::remove_all(dir);
    state.SetIterationTime(elapsed);
    const double p99 = listener.percentile(0.99);
    state.counters["records_per_s"] = listener.records_per_s();
    // CPU of every thread (receiver included) per record: steady on a busy machine.
    state.counters["cpu_ns_per_record"] =
        1e9 * cpu / double(std::max<std::int64_t>(1, listener.all_records()));
    state.counters["p50_delay_ms"] = listener.percentile(0.50);
    state.counters["p99_delay_ms"] = p99;
    state.counters["p99_in_batches"] = p99 / double(interval.count());
    state.counters["sustained"] = p99 < 3.0 * double(interval.count()) ? 1 : 0;
    benchmark::DoNotOptimize(keys.load());
  }
}

// The same windowed counts by hand: per batch, per-thread tables merged into a batch
// table; the window adds the batch entering and subtracts the batch leaving.
void BM_StreamingWordCount_tbb(benchmark::State& state) {
  const std::int64_t per_batch = state.range(0);
  const int batches = 200, window = 10;
  const auto& feed = word_feed();
  tbb::task_arena arena(rill_bench::kParallelism);
  using Table = rill::detail::HashMap<std::string, std::int64_t>;
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    const double cpu0 = rill_bench::process_cpu_seconds();
    std::deque<Table> ring;
    Table win;
    std::size_t pos = 0;
    std::int64_t records = 0;
    for (int b = 0; b < batches; ++b) {
      Table batch;
      arena.execute([&] {
        tbb::enumerable_thread_specific<Table> local;
        tbb::parallel_for(tbb::blocked_range<std::int64_t>(0, per_batch, 4096), [&](const auto& r) {
          auto& t = local.local();
          for (auto i = r.begin(); i != r.end(); ++i)
            ++t[feed[(pos + std::size_t(i)) % feed.size()]];
        });
        for (auto& t : local)
          for (auto& [k, v] : t) batch[k] += v;
      });
      pos = (pos + std::size_t(per_batch)) % feed.size();
      records += per_batch;
      for (const auto& [k, v] : batch) win[k] += v;
      ring.push_back(std::move(batch));
      if (int(ring.size()) > window) {
        for (const auto& [k, v] : ring.front()) win[k] -= v;
        ring.pop_front();
      }
      benchmark::DoNotOptimize(win.size());
    }
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    state.SetIterationTime(elapsed);
    state.counters["records_per_s"] = double(records) / elapsed;
    state.counters["cpu_ns_per_record"] =
        1e9 * (rill_bench::process_cpu_seconds() - cpu0) / double(records);
  }
}

}  // namespace

// Args: batch interval in ms, receiver rate in records/s.
BENCHMARK(BM_StreamingWordCount_rill)
    ->ArgsProduct({{10},
                   {100'000, 1'000'000, 5'000'000, 10'000'000, 20'000'000, 25'000'000, 30'000'000,
                    35'000'000, 40'000'000, 45'000'000, 50'000'000}})
    ->ArgsProduct({{1}, {100'000, 1'000'000, 5'000'000, 10'000'000}})
    ->UseManualTime()
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);
// Arg: records per batch (10 ms of 20 M records/s = 200 K).
BENCHMARK(BM_StreamingWordCount_tbb)
    ->Arg(200'000)
    ->Arg(20'000)
    ->UseManualTime()
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

namespace {

// A context, a manual clock and a streaming context of 10 ms batches checkpointing to a
// temporary directory (removed at the end): the setup of the manual-clock benchmarks.
struct ManualRun {
  static constexpr rill::Duration interval{10};
  explicit ManualRun(const std::string& name)
      : ctx(rill::Config{.parallelism = rill_bench::kParallelism, .default_partitions = 2}),
        clock(std::make_shared<rill::ManualClock>()),
        ssc(ctx, interval, clock),
        dir(std::filesystem::temp_directory_path() /
            ("rill-bench-" + name + "-" + std::to_string(::getpid()))) {
    ssc.checkpoint(dir.string());
  }
  ManualRun(const ManualRun&) = delete;
  ManualRun& operator=(const ManualRun&) = delete;
  ~ManualRun() {
    ssc.stop(false, false);
    std::filesystem::remove_all(dir);
  }

  rill::Context ctx;
  std::shared_ptr<rill::ManualClock> clock;
  rill::StreamingContext ssc;
  std::filesystem::path dir;
};

// Starts ssc and runs warmup + measured batches on the manual clock; returns the
// real time the measured batches took (advance to completed).
double run_batches(rill::StreamingContext& ssc, rill::ManualClock& clock, rill::Duration interval,
                   int warmup, int measured) {
  ssc.start();
  double seconds = 0;
  for (int b = 1; b <= warmup + measured; ++b) {
    const auto t0 = std::chrono::steady_clock::now();
    clock.advance(interval);
    ssc.await_batch_completed(clock.now());
    if (b > warmup)
      seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (b == warmup) CALLGRIND_ZERO_STATS;
  }
  CALLGRIND_DUMP_STATS;
  return seconds;
}

// Cost of one slide of reduce_by_key_and_window with an inverse, for windows of 1, 4, 16
// and 64 batches (slide = 1 batch), under a manual clock so that only processing is
// timed. Incremental windows keep this flat as the window grows.
void BM_WindowLength_rill(benchmark::State& state) {
  const std::int64_t window_batches = state.range(0);
  constexpr auto interval = ManualRun::interval;
  const int warmup = static_cast<int>(window_batches) + 2, measured = 30;
  const auto& feed = word_feed();
  for (auto _ : state) {
    ManualRun run("window");
    auto& ctx = run.ctx;
    auto& ssc = run.ssc;
    std::deque<rill::Rdd<std::pair<std::string, std::int64_t>>> queue;
    constexpr std::size_t kPerBatch = 50'000;
    for (int b = 0; b < warmup + measured; ++b) {
      std::vector<std::pair<std::string, std::int64_t>> batch;
      batch.reserve(kPerBatch);
      for (std::size_t i = 0; i < kPerBatch; ++i)
        batch.emplace_back(feed[(std::size_t(b) * kPerBatch + i) % feed.size()], 1);
      queue.push_back(ctx.parallelize(std::move(batch), 2));
    }
    std::atomic<std::int64_t> keys{0};
    ssc.queue_stream(std::move(queue))
        .reduce_by_key_and_window(std::plus<std::int64_t>{}, std::minus<std::int64_t>{},
                                  interval * window_batches, interval)
        .foreach_rdd([&](const rill::Rdd<std::pair<std::string, std::int64_t>>& rdd) {
          keys = rdd.count();
        });
    const double measured_seconds = run_batches(ssc, *run.clock, interval, warmup, measured);
    state.SetIterationTime(measured_seconds / measured);
    state.counters["ms_per_slide"] = 1000.0 * measured_seconds / measured;
    benchmark::DoNotOptimize(keys.load());
  }
}

}  // namespace

// Arg: window length in batches (slide = 1 batch).
BENCHMARK(BM_WindowLength_rill)
    ->Arg(1)
    ->Arg(4)
    ->Arg(16)
    ->Arg(64)
    ->UseManualTime()
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

namespace {

// Fixed cost of one batch of the windowed word count: the same pipeline as
// BM_StreamingWordCount_rill fed 10 records per batch under a manual clock, so what is
// timed is job generation, scheduling, shuffles and window bookkeeping, not records.
// It bounds the shortest batch interval rill can keep up with.
void BM_BatchOverhead_rill(benchmark::State& state) {
  constexpr auto interval = ManualRun::interval;
  const int warmup = 20, measured = 200;
  const auto& feed = word_feed();
  for (auto _ : state) {
    ManualRun run("overhead");
    auto& ctx = run.ctx;
    auto& ssc = run.ssc;
    std::deque<rill::Rdd<std::string>> queue;
    for (int b = 0; b < warmup + measured; ++b)
      queue.push_back(ctx.parallelize(
          std::vector<std::string>(feed.begin() + b * 10, feed.begin() + b * 10 + 10), 2));
    std::atomic<std::int64_t> keys{0};
    ssc.queue_stream(std::move(queue))
        .map([](const std::string& w) { return std::pair<std::string, std::int64_t>(w, 1); })
        .reduce_by_key_and_window(std::plus<std::int64_t>{}, std::minus<std::int64_t>{},
                                  interval * 10, interval)
        .foreach_rdd([&](const rill::Rdd<std::pair<std::string, std::int64_t>>& rdd) {
          keys = rdd.count();
        });
    const double measured_seconds = run_batches(ssc, *run.clock, interval, warmup, measured);
    // How much of a batch is inside RDD jobs (planning, TBB flow graph, tasks); the rest
    // is the streaming side: job generation, thread hand-offs, listeners, bookkeeping.
    const auto history = ctx.job_history();
    double job_seconds = 0;
    for (std::size_t i = history.size() > std::size_t(measured) ? history.size() - measured : 0;
         i < history.size(); ++i)
      job_seconds += std::chrono::duration<double>(history[i].duration).count();
    state.SetIterationTime(measured_seconds / measured);
    state.counters["us_per_batch"] = 1e6 * measured_seconds / measured;
    state.counters["us_in_jobs"] = 1e6 * job_seconds / measured;
    benchmark::DoNotOptimize(keys.load());
  }
}

}  // namespace

BENCHMARK(BM_BatchOverhead_rill)->UseManualTime()->Iterations(1)->Unit(benchmark::kMicrosecond);
