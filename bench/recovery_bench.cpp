// The cost of crash-proof streaming (README "Fault tolerance and recovery"): the
// write-ahead log of receiver blocks (WriteAheadLog alone, and a receiver_stream with
// Config::write_ahead_log on vs off), and the per-batch checkpoint of 1 M keys of
// update_state_by_key state that get_or_create writes, with the time to recover from it.
// Twins: a hand-written write()+fsync() loop on one file with the same block sizes, and a
// hand-written serialise-1 M-pairs-to-a-file+fsync (and read back). Everything is written
// under RILL_BENCH_DIR (default: the temp directory; it must be a real disk, not tmpfs) in a
// directory removed at the end of each case.
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <rill/dstream/block_codec.hpp>
#include <rill/io/write_ahead_log.hpp>
#include <rill/rill.hpp>
#include <thread>

#include "bench_support.hpp"

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// A fresh directory for one case, removed (with everything in it) when the case ends.
struct ScratchDir {
  explicit ScratchDir(const std::string& name) {
    std::filesystem::path root = std::filesystem::temp_directory_path();
    if (const char* d = std::getenv("RILL_BENCH_DIR"); d && *d) root = d;
    struct statfs fs {};
    if (::statfs(root.c_str(), &fs) == 0 && fs.f_type == 0x01021994 /* TMPFS_MAGIC */) {
      static bool warned = false;
      if (!std::exchange(warned, true))
        std::fprintf(stderr, "recovery_bench: %s is tmpfs, fsync costs nothing there\n",
                     root.c_str());
    }
    path = root / ("rill-bench-recovery-" + name + "-" + std::to_string(::getpid()));
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::filesystem::path path;
};

// Bytes this process passed to write() so far (all threads): /proc/self/io's wchar.
std::int64_t bytes_written() {
  std::ifstream in("/proc/self/io");
  std::string key;
  std::int64_t v = 0;
  while (in >> key >> v)
    if (key == "wchar:") return v;
  return 0;
}

// Results of the twins, for the *_vs_twin counters of the rill cases (the twin of a
// workload is registered, so run, before them).
std::map<std::string, double>& twin_results() {
  static std::map<std::string, double> r;
  return r;
}
std::optional<double> twin_result(const std::string& key) {
  auto it = twin_results().find(key);
  if (it == twin_results().end()) return std::nullopt;
  return it->second;
}

void die(const char* what) {
  std::perror(what);
  std::abort();
}

void write_all(int fd, const char* p, std::size_t n) {
  while (n > 0) {
    const auto w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      die("write");
    }
    p += w;
    n -= static_cast<std::size_t>(w);
  }
}

// ---------------------------------------------------------------------------------------
// 1. Write-ahead log
// ---------------------------------------------------------------------------------------

// How long each write-ahead-log case runs (real time).
double wal_seconds() {
  return double(rill_bench::env_int("RILL_BENCH_WAL_MS", 1000)) / 1000.0;
}

// Records of 16 characters ("r" + 15 digits), as many as fill a block of about
// `block_bytes` in Serializer<std::vector<std::string>>'s format (8 + 24 per record).
std::vector<std::string> block_records(std::size_t block_bytes) {
  const std::size_t n = std::max<std::size_t>(1, (block_bytes - 8) / 24);
  std::vector<std::string> v(n);
  for (std::size_t i = 0; i < n; ++i) {
    char buf[17];
    std::snprintf(
        buf, sizeof buf, "r%015llu",
        static_cast<unsigned long long>(rill_bench::splitmix64(i) % 1'000'000'000'000'000ULL));
    v[i] = buf;
  }
  return v;
}

// A batch takes the log's blocks every this many blocks (mark_batch + clean_through), so
// a segment holds ~16 MB (at least 16 blocks) and the directory stays small.
std::int64_t blocks_per_batch(std::size_t block_bytes) {
  return std::max<std::int64_t>(16, std::int64_t(16 << 20) / std::int64_t(block_bytes));
}

std::string wal_key(std::int64_t block_bytes) {
  return "wal/" + std::to_string(block_bytes);
}

void set_wal_counters(benchmark::State& state, double elapsed, double cpu, std::int64_t blocks,
                      std::size_t block_size, std::size_t records_per_block) {
  state.SetIterationTime(elapsed);
  const double blocks_per_s = double(blocks) / elapsed;
  state.counters["blocks_per_s"] = blocks_per_s;
  state.counters["MB_per_s"] = blocks_per_s * double(block_size) / 1e6;
  state.counters["records_per_s"] = blocks_per_s * double(records_per_block);
  state.counters["cpu_s"] = cpu;
  state.counters["cpu_us_per_block"] = 1e6 * cpu / double(std::max<std::int64_t>(blocks, 1));
  state.counters["block_B"] = double(block_size);
}

// The twin: one thread, write(block) + fsync() in a loop on one file; every
// blocks_per_batch blocks the file is closed and deleted and a new one created (as the
// log's segments are).
void BM_Recovery_Wal_twin(benchmark::State& state) {
  const auto block_bytes = static_cast<std::size_t>(state.range(0));
  const auto records = block_records(block_bytes);
  const std::string block = rill::detail::encode_block(records);
  const auto per_batch = blocks_per_batch(block_bytes);
  for (auto _ : state) {
    ScratchDir dir("wal-twin");
    const auto file = (dir.path / "log").string();
    std::int64_t blocks = 0;
    const double cpu0 = rill_bench::process_cpu_seconds();
    const auto t0 = Clock::now();
    const double limit = wal_seconds();
    int fd = -1;
    while (seconds_since(t0) < limit) {
      if (fd < 0) {
        fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0) die("open");
      }
      write_all(fd, block.data(), block.size());
      if (::fsync(fd) != 0) die("fsync");
      if (++blocks % per_batch == 0) {
        ::close(fd);
        ::unlink(file.c_str());
        fd = -1;
      }
    }
    const double elapsed = seconds_since(t0);
    const double cpu = rill_bench::process_cpu_seconds() - cpu0;
    if (fd >= 0) ::close(fd);
    set_wal_counters(state, elapsed, cpu, blocks, block.size(), records.size());
    twin_results()[wal_key(state.range(0))] = double(blocks) / elapsed;
  }
}

// WriteAheadLog: `writers` threads each append(block) + sync_to() in a loop; per_block
// fsyncs under the log's lock, group_commit shares one fsync between the writers that
// appended while it ran. encode = 1: each writer encodes its block (encode_block of the
// std::vector<std::string>) before each append, as a receiver's store() does.
void BM_Recovery_Wal_rill(benchmark::State& state) {
  const auto block_bytes = static_cast<std::size_t>(state.range(0));
  const int writers = static_cast<int>(state.range(1));
  const auto sync = state.range(2) ? rill::WalSync::group_commit : rill::WalSync::per_block;
  const bool encode = state.range(3) != 0;
  const auto records = block_records(block_bytes);
  const std::string block = rill::detail::encode_block(records);
  const auto per_batch = blocks_per_batch(block_bytes);
  for (auto _ : state) {
    ScratchDir dir("wal");
    rill::detail::WriteAheadLog wal(dir.path / "receivedData" / "0", sync);
    std::atomic<std::int64_t> blocks{0};
    std::mutex batch_mutex;
    std::int64_t batch = 0;  // guarded by batch_mutex
    const double limit = wal_seconds();
    const double cpu0 = rill_bench::process_cpu_seconds();
    const auto t0 = Clock::now();
    auto writer = [&] {
      while (seconds_since(t0) < limit) {
        std::uint64_t end;
        if (encode) {
          const auto bytes = rill::detail::encode_block(records);
          end = wal.append(bytes);
        } else {
          end = wal.append(block);
        }
        wal.sync_to(end);
        if (blocks.fetch_add(1) % per_batch == per_batch - 1) {
          // What a batch does with the log: mark the blocks it takes, later delete them.
          std::lock_guard lock(batch_mutex);
          ++batch;
          wal.mark_batch(rill::Time{batch});
          wal.clean_through(rill::Time{batch});
        }
      }
    };
    std::vector<std::thread> threads;
    for (int w = 1; w < writers; ++w) threads.emplace_back(writer);
    writer();
    for (auto& t : threads) t.join();
    const double elapsed = seconds_since(t0);
    const double cpu = rill_bench::process_cpu_seconds() - cpu0;
    set_wal_counters(state, elapsed, cpu, blocks.load(), block.size(), records.size());
    if (auto twin = twin_result(wal_key(state.range(0))))
      state.counters["blocks_vs_twin"] = double(blocks.load()) / elapsed / *twin;
  }
}

// ---- end to end: a receiver_stream with the log on vs off --------------------------

// Stores blocks of 1000 records of 16 characters as fast as it can, from `threads`
// threads (the receiver's own and threads - 1 more).
class BlockReceiver final : public rill::Receiver<std::string> {
 public:
  explicit BlockReceiver(int threads) : threads_(threads), block_(block_records(1000 * 24 + 8)) {}
  void on_start() override {
    auto loop = [this] {
      while (!is_stopped()) store(std::vector<std::string>(block_));
    };
    std::vector<std::thread> more;
    for (int i = 1; i < threads_; ++i) more.emplace_back(loop);
    loop();
    for (auto& t : more) t.join();
  }
  void on_stop() override {}
  std::string name() const override { return "BlockReceiver"; }

 private:
  const int threads_;
  const std::vector<std::string> block_;
};

// Args: write-ahead log (0 off, 1 per_block, 2 group_commit), storing threads. A
// get_or_create context on a manual clock; every ~20 ms of real time the clock advances
// one batch, whose RDD is counted. Counts the records the batches got per second of real
// time over RILL_BENCH_WAL_STREAM_MS (default 2000).
void BM_Recovery_WalReceiver_rill(benchmark::State& state) {
  const int mode = static_cast<int>(state.range(0));
  const int threads = static_cast<int>(state.range(1));
  constexpr rill::Duration interval{100};
  const double limit = double(rill_bench::env_int("RILL_BENCH_WAL_STREAM_MS", 2000)) / 1000.0;
  for (auto _ : state) {
    ScratchDir dir("wal-stream");
    rill::Context ctx(rill::Config{.parallelism = rill_bench::kParallelism,
                                   .default_partitions = 2,
                                   .write_ahead_log = mode != 0,
                                   .write_ahead_log_sync = mode == 2 ? rill::WalSync::group_commit
                                                                     : rill::WalSync::per_block});
    auto clock = std::make_shared<rill::ManualClock>();
    std::atomic<std::int64_t> records{0};
    auto ssc = rill::StreamingContext::get_or_create(dir.path.string(), [&] {
      rill::StreamingContext s(ctx, interval, clock);
      s.receiver_stream(std::make_unique<BlockReceiver>(threads))
          .foreach_rdd([&](const rill::Rdd<std::string>& rdd) { records += rdd.count(); });
      return s;
    });
    const double cpu0 = rill_bench::process_cpu_seconds();
    const auto wrote0 = bytes_written();
    const auto t0 = Clock::now();
    ssc.start();
    std::int64_t batches = 0;
    while (seconds_since(t0) < limit) {
      std::this_thread::sleep_for(20ms);
      clock->advance(interval);
      ssc.await_batch_completed(clock->now());
      ++batches;
    }
    const double elapsed = seconds_since(t0);
    const double cpu = rill_bench::process_cpu_seconds() - cpu0;
    const auto wrote = bytes_written() - wrote0;
    ssc.stop(false, false);
    state.SetIterationTime(elapsed);
    state.counters["records_per_s"] = double(records.load()) / elapsed;
    state.counters["cpu_s"] = cpu;
    state.counters["cpu_ns_per_record"] =
        1e9 * cpu / double(std::max<std::int64_t>(records.load(), 1));
    state.counters["MB_per_s_written"] = double(wrote) / 1e6 / elapsed;
    state.counters["batches"] = double(batches);
  }
}

// ---------------------------------------------------------------------------------------
// 2. Checkpoints of 1 M keys of update_state_by_key state
// ---------------------------------------------------------------------------------------

using Pair = std::pair<std::int64_t, std::int64_t>;
constexpr std::int64_t kStateKeys = 1'000'000;
constexpr std::int64_t kUpdatesPerBatch = 10'000;
constexpr rill::Duration kStateInterval{100};

// Input batch b (0-based): batch 0 seeds every key with 1, later ones add 1 to 10 K keys.
rill::Rdd<Pair> state_input(const rill::Context& ctx, std::int64_t b) {
  std::vector<Pair> v;
  if (b == 0) {
    v.reserve(kStateKeys);
    for (std::int64_t k = 0; k < kStateKeys; ++k) v.emplace_back(k, 1);
  } else {
    v.reserve(kUpdatesPerBatch);
    for (std::int64_t i = 0; i < kUpdatesPerBatch; ++i)
      v.emplace_back(std::int64_t(rill_bench::splitmix64(std::uint64_t(b * kUpdatesPerBatch + i)) %
                                  std::uint64_t(kStateKeys)),
                     1);
  }
  return ctx.parallelize(std::move(v), 2);
}

struct StateRun {
  std::atomic<std::int64_t> keys{0};
  std::atomic<std::int64_t> total{0};
};

// The job: running totals per key over the input batches first..first+batches-1.
rill::StreamingContext state_job(const rill::Context& ctx, std::shared_ptr<rill::ManualClock> clock,
                                 std::int64_t first, std::int64_t batches, StateRun& run) {
  rill::StreamingContext ssc(ctx, kStateInterval, std::move(clock));
  std::deque<rill::Rdd<Pair>> queue;
  for (std::int64_t b = first; b < first + batches; ++b) queue.push_back(state_input(ctx, b));
  ssc.queue_stream(std::move(queue))
      .update_state_by_key(
          [](const std::vector<std::int64_t>& values,
             std::optional<std::int64_t> state) -> std::optional<std::int64_t> {
            std::int64_t s = state.value_or(0);
            for (auto v : values) s += v;
            return s;
          },
          2)
      .foreach_rdd([&run](const rill::Rdd<Pair>& rdd) {
        run.keys = rdd.count();
        benchmark::DoNotOptimize(&rdd);
      });
  return ssc;
}

int state_batches() {
  return static_cast<int>(rill_bench::env_int("RILL_BENCH_CKPT_BATCHES", 10));
}

// Arg: 1 = get_or_create (the full state checkpointed synchronously at the end of every
// batch, then the metadata), 0 = plain ssc.checkpoint(dir) (every 10 batches, in the
// background). Batch 1 seeds the 1 M keys, batch 2 is a warm-up, then
// RILL_BENCH_CKPT_BATCHES (default 10) measured batches, each updating 10 K keys; with
// the default the plain run's measured batches hold exactly one of its checkpoints
// (batch 10). Then, for get_or_create: a new Context recovers from the directory up to
// its first batch completed (restart_ms).
void BM_Recovery_Checkpoint_rill(benchmark::State& state) {
  const bool recoverable = state.range(0) != 0;
  const int warmup = 2, measured = state_batches();
  for (auto _ : state) {
    ScratchDir dir(recoverable ? "ckpt-goc" : "ckpt-plain");
    const auto ssc_dir = (dir.path / "ssc").string();
    rill::Context ctx(rill::Config{.parallelism = rill_bench::kParallelism,
                                   .default_partitions = 2,
                                   .checkpoint_dir = (dir.path / "ctx").string()});
    auto clock = std::make_shared<rill::ManualClock>();
    StateRun run;
    std::optional<rill::StreamingContext> ssc;
    if (recoverable) {
      ssc.emplace(rill::StreamingContext::get_or_create(
          ssc_dir, [&] { return state_job(ctx, clock, 0, warmup + measured, run); }));
    } else {
      ssc.emplace(state_job(ctx, clock, 0, warmup + measured, run));
      ssc->checkpoint(ssc_dir);
    }
    ssc->start();
    double wall = 0, cpu = 0, max_ms = 0, min_ms = 1e300;
    std::int64_t wrote = 0;
    for (int b = 1; b <= warmup + measured; ++b) {
      const double cpu0 = rill_bench::process_cpu_seconds();
      const auto wrote0 = bytes_written();
      const auto t0 = Clock::now();
      clock->advance(kStateInterval);
      ssc->await_batch_completed(clock->now(), std::chrono::seconds(300));
      const double s = seconds_since(t0);
      if (b <= warmup) continue;
      wall += s;
      cpu += rill_bench::process_cpu_seconds() - cpu0;
      wrote += bytes_written() - wrote0;
      max_ms = std::max(max_ms, 1e3 * s);
      min_ms = std::min(min_ms, 1e3 * s);
    }
    if (run.keys != kStateKeys) state.SkipWithError("state does not hold 1 M keys");
    const auto last = ssc->last_completed_batch();
    ssc->stop(false, false);
    ssc.reset();
    state.SetIterationTime(wall / measured);
    state.counters["ms_per_batch"] = 1e3 * wall / measured;
    state.counters["min_ms"] = min_ms;
    state.counters["max_ms"] = max_ms;
    state.counters["cpu_ms_per_batch"] = 1e3 * cpu / measured;
    state.counters["MB_written_per_batch"] = double(wrote) / 1e6 / measured;
    // The plain run goes first; get_or_create's extra time and CPU per batch against it.
    if (!recoverable) {
      twin_results()["plain_batch_ms"] = 1e3 * wall / measured;
      twin_results()["plain_batch_cpu_ms"] = 1e3 * cpu / measured;
    } else if (auto plain = twin_result("plain_batch_ms")) {
      state.counters["extra_ms_vs_plain"] = 1e3 * wall / measured - *plain;
      state.counters["extra_cpu_ms_vs_plain"] =
          1e3 * cpu / measured - *twin_result("plain_batch_cpu_ms");
    }
    if (!recoverable || !last) continue;

    // Recovery: a new process would read the same directory. The clock is at the batch
    // after the last completed one, so exactly that batch runs first.
    rill::Context ctx2(rill::Config{.parallelism = rill_bench::kParallelism,
                                    .default_partitions = 2,
                                    .checkpoint_dir = (dir.path / "ctx2").string()});
    auto clock2 = std::make_shared<rill::ManualClock>(*last + kStateInterval);
    StateRun run2;
    const double cpu0 = rill_bench::process_cpu_seconds();
    const auto t0 = Clock::now();
    auto restarted = rill::StreamingContext::get_or_create(
        ssc_dir, [&] { return state_job(ctx2, clock2, warmup + measured, 1, run2); });
    const double create_s = seconds_since(t0);
    restarted.start();
    restarted.await_batch_completed(clock2->now(), std::chrono::seconds(300));
    const double restart_s = seconds_since(t0);
    const double restart_cpu = rill_bench::process_cpu_seconds() - cpu0;
    restarted.stop(false, false);
    if (run2.keys != kStateKeys) state.SkipWithError("recovered state does not hold 1 M keys");
    state.counters["restart_ms"] = 1e3 * restart_s;
    state.counters["restart_cpu_ms"] = 1e3 * restart_cpu;
    state.counters["get_or_create_ms"] = 1e3 * create_s;
  }
}

// The twin of a checkpoint and of its recovery: the 1 M (key, state) pairs serialised
// into one buffer (count, then 16 bytes per pair), written to file.tmp, fsynced, renamed
// to file (ckpt_ms); then read back and parsed into a vector (read_ms).
void BM_Recovery_Checkpoint_twin(benchmark::State& state) {
  std::vector<Pair> pairs;
  pairs.reserve(kStateKeys);
  for (std::int64_t k = 0; k < kStateKeys; ++k) pairs.emplace_back(k, 1 + k % 7);
  for (auto _ : state) {
    ScratchDir dir("ckpt-twin");
    const auto file = dir.path / "part-00000";
    auto tmp = file;
    tmp += ".tmp";
    const double cpu0 = rill_bench::process_cpu_seconds();
    const auto t0 = Clock::now();
    std::string buf;
    buf.resize(8 + pairs.size() * 16);
    const std::uint64_t n = pairs.size();
    std::memcpy(buf.data(), &n, 8);
    char* p = buf.data() + 8;
    for (const auto& [k, v] : pairs) {
      std::memcpy(p, &k, 8);
      std::memcpy(p + 8, &v, 8);
      p += 16;
    }
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) die("open");
    write_all(fd, buf.data(), buf.size());
    if (::fsync(fd) != 0) die("fsync");
    ::close(fd);
    std::filesystem::rename(tmp, file);
    const double ckpt_s = seconds_since(t0);
    const double ckpt_cpu = rill_bench::process_cpu_seconds() - cpu0;

    const auto t1 = Clock::now();
    std::vector<Pair> back;
    {
      const int in = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
      if (in < 0) die("open");
      std::string bytes(std::filesystem::file_size(file), '\0');
      for (std::size_t got = 0; got < bytes.size();) {
        const auto r = ::read(in, bytes.data() + got, bytes.size() - got);
        if (r <= 0) die("read");
        got += static_cast<std::size_t>(r);
      }
      ::close(in);
      std::uint64_t count;
      std::memcpy(&count, bytes.data(), 8);
      back.resize(count);
      const char* q = bytes.data() + 8;
      for (auto& [k, v] : back) {
        std::memcpy(&k, q, 8);
        std::memcpy(&v, q + 8, 8);
        q += 16;
      }
    }
    const double read_s = seconds_since(t1);
    if (back != pairs) state.SkipWithError("read back differs");
    state.SetIterationTime(ckpt_s);
    state.counters["ckpt_ms"] = 1e3 * ckpt_s;
    state.counters["ckpt_cpu_ms"] = 1e3 * ckpt_cpu;
    state.counters["read_ms"] = 1e3 * read_s;
    state.counters["MB_written"] = double(buf.size()) / 1e6;
    twin_results()["ckpt"] = ckpt_s;
  }
}

// rill's part-file writer alone on the same 1 M pairs: a cached 2-partition RDD is
// computed, then checkpoint() + count() writes its part files (Serializer<T> through an
// std::ofstream per partition, temp file + rename), timed; the count of the cached RDD
// before it (count_ms) is what the same job costs without the files.
void BM_Recovery_RddCheckpoint_rill(benchmark::State& state) {
  std::vector<Pair> pairs;
  pairs.reserve(kStateKeys);
  for (std::int64_t k = 0; k < kStateKeys; ++k) pairs.emplace_back(k, 1 + k % 7);
  for (auto _ : state) {
    ScratchDir dir("rdd-ckpt");
    rill::Context ctx(rill::Config{.parallelism = rill_bench::kParallelism,
                                   .default_partitions = 2,
                                   .checkpoint_dir = dir.path.string()});
    auto rdd = ctx.parallelize(pairs, 2).cache();
    benchmark::DoNotOptimize(rdd.count());
    const auto t0 = Clock::now();
    benchmark::DoNotOptimize(rdd.count());
    const double count_s = seconds_since(t0);
    const double cpu0 = rill_bench::process_cpu_seconds();
    const auto wrote0 = bytes_written();
    const auto t1 = Clock::now();
    rdd.checkpoint();
    const auto n = rdd.count();
    const double ckpt_s = seconds_since(t1);
    const double cpu = rill_bench::process_cpu_seconds() - cpu0;
    if (n != kStateKeys || !rdd.is_checkpointed()) state.SkipWithError("checkpoint not written");
    state.SetIterationTime(ckpt_s);
    state.counters["ckpt_ms"] = 1e3 * ckpt_s;
    state.counters["ckpt_cpu_ms"] = 1e3 * cpu;
    state.counters["count_ms"] = 1e3 * count_s;
    state.counters["MB_written"] = double(bytes_written() - wrote0) / 1e6;
    if (auto twin = twin_result("ckpt")) state.counters["time_vs_twin"] = ckpt_s / *twin;
  }
}

}  // namespace

// Args: block bytes. The twins run first: the rill cases report blocks_vs_twin.
BENCHMARK(BM_Recovery_Wal_twin)
    ->ArgName("block")
    ->Arg(1 << 10)
    ->Arg(64 << 10)
    ->Arg(1 << 20)
    ->UseManualTime()
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);
// Args: block bytes, writer threads, sync (0 per_block, 1 group_commit), encode each block.
BENCHMARK(BM_Recovery_Wal_rill)
    ->ArgNames({"block", "writers", "group", "encode"})
    ->ArgsProduct({{1 << 10, 64 << 10, 1 << 20}, {1, 4}, {0, 1}, {0}})
    ->ArgsProduct({{1 << 10, 64 << 10, 1 << 20}, {1}, {0}, {1}})
    ->ArgsProduct({{1 << 10, 64 << 10, 1 << 20}, {4}, {1}, {1}})
    ->UseManualTime()
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);
// Args: log (0 off, 1 per_block, 2 group_commit), storing threads.
BENCHMARK(BM_Recovery_WalReceiver_rill)
    ->ArgNames({"log", "threads"})
    ->Args({0, 1})
    ->Args({1, 1})
    ->Args({0, 4})
    ->Args({1, 4})
    ->Args({2, 4})
    ->UseManualTime()
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Recovery_Checkpoint_twin)
    ->UseManualTime()
    ->Iterations(1)
    ->Repetitions(3)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Recovery_RddCheckpoint_rill)
    ->UseManualTime()
    ->Iterations(1)
    ->Repetitions(3)
    ->Unit(benchmark::kMillisecond);
// Arg: 1 get_or_create (checkpoint every batch), 0 plain ssc.checkpoint (every 10).
BENCHMARK(BM_Recovery_Checkpoint_rill)
    ->ArgName("get_or_create")
    ->Arg(0)
    ->Arg(1)
    ->UseManualTime()
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);
