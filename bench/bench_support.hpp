// Shared pieces of rill_bench: peak-memory measurement, the results table that ends the
// run, and the knobs (parallelism, data sizes) every benchmark uses.
#pragma once
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdint>
#include <string>

// Under callgrind, a streaming benchmark zeroes the counts after its warm-up and dumps
// them after its measured batches (callgrind.out.<pid>.1): per batch = that file's
// `totals:` / the measured batches, without input set-up. No-ops elsewhere.
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#else
#define CALLGRIND_ZERO_STATS
#define CALLGRIND_DUMP_STATS
#endif

namespace rill_bench {

inline constexpr int kParallelism = 2;  // the benchmark machine has 2 cores

// Peak resident memory of one iteration: reset() returns freed heap to the OS, resets
// the kernel's high-water mark (VmHWM) to the current RSS and remembers that RSS;
// growth_bytes() is how far VmHWM rose above it since.
class PeakMemory {
 public:
  void reset();
  std::int64_t growth_bytes() const;

 private:
  std::int64_t baseline_ = 0;
};

// Times each iteration with the wall clock and tracks its peak memory; the benchmark
// loop body goes between begin() and end().
class Measure {
 public:
  explicit Measure(benchmark::State& state) : state_(state) {}
  void begin();
  void end();
  // Sets the counters and records the row for the summary table.
  void finish(const std::string& workload, const std::string& variant);

 private:
  benchmark::State& state_;
  PeakMemory mem_;
  std::chrono::steady_clock::time_point t0_;
  double cpu0_ = 0;
  double total_seconds_ = 0;
  double total_cpu_seconds_ = 0;
  std::int64_t iterations_ = 0;
  std::int64_t peak_ = 0;
};

// Size knobs from the environment: RILL_BENCH_MB (text size, default 200) and
// RILL_BENCH_PAIRS (millions of pairs for reduce_by_key, default 50).
std::int64_t env_int(const char* name, std::int64_t fallback);

// User + system CPU time of the whole process (all threads), in seconds.
double process_cpu_seconds();

// The table printed after all benchmarks: time and peak memory per variant, and both
// as a ratio to the TBB twin.
void print_summary();

// SplitMix64: the deterministic generator and integer mixer of the benchmarks.
inline std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace rill_bench
