#include "bench_support.hpp"

#include <malloc.h>
#include <sys/resource.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <string>

namespace rill_bench {
namespace {

// "VmHWM:  1234 kB" -> bytes.
std::int64_t status_field(const char* field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  const std::string key = std::string(field) + ":";
  while (std::getline(in, line))
    if (line.compare(0, key.size(), key) == 0) return std::stoll(line.substr(key.size())) * 1024;
  return 0;
}

struct Row {
  double seconds = 0;
  double cpu_seconds = 0;
  std::int64_t peak = 0;
};
std::map<std::string, std::map<std::string, Row>>& table() {
  static std::map<std::string, std::map<std::string, Row>> t;
  return t;
}

}  // namespace

// User + system CPU time of the whole process (all threads), in seconds.
double process_cpu_seconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  auto sec = [](const timeval& t) { return double(t.tv_sec) + double(t.tv_usec) * 1e-6; };
  return sec(u.ru_utime) + sec(u.ru_stime);
}

void PeakMemory::reset() {
  ::malloc_trim(0);
  if (std::FILE* f = std::fopen("/proc/self/clear_refs", "w")) {
    std::fputs("5", f);  // 5: reset the peak RSS to the current RSS
    std::fclose(f);
  }
  baseline_ = status_field("VmRSS");
}

std::int64_t PeakMemory::growth_bytes() const {
  return std::max<std::int64_t>(0, status_field("VmHWM") - baseline_);
}

void Measure::begin() {
  state_.PauseTiming();
  mem_.reset();
  state_.ResumeTiming();
  cpu0_ = process_cpu_seconds();
  t0_ = std::chrono::steady_clock::now();
}

void Measure::end() {
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
  state_.SetIterationTime(s);
  total_seconds_ += s;
  total_cpu_seconds_ += process_cpu_seconds() - cpu0_;
  ++iterations_;
  peak_ = std::max(peak_, mem_.growth_bytes());
}

void Measure::finish(const std::string& workload, const std::string& variant) {
  if (iterations_ == 0) return;
  Row row{total_seconds_ / double(iterations_), total_cpu_seconds_ / double(iterations_), peak_};
  state_.counters["peak_MB"] = double(peak_) / (1 << 20);
  state_.counters["cpu_s"] = row.cpu_seconds;
  auto& rows = table()[workload];
  rows[variant] = row;
  if (variant != "tbb" && rows.count("tbb")) {  // the TBB twin runs before the others
    const Row& tbb = rows["tbb"];
    state_.counters["time_vs_tbb"] = row.seconds / tbb.seconds;
    state_.counters["cpu_vs_tbb"] = row.cpu_seconds / tbb.cpu_seconds;
    if (tbb.peak > 0) state_.counters["mem_vs_tbb"] = double(row.peak) / double(tbb.peak);
  }
}

std::int64_t env_int(const char* name, std::int64_t fallback) {
  const char* v = std::getenv(name);
  if (!v || !*v) return fallback;
  return std::strtoll(v, nullptr, 10);
}

void print_summary() {
  std::printf("\n%-14s %-15s %9s %9s %9s %9s %9s %9s\n", "workload", "variant", "time_s", "cpu_s",
              "peak_MB", "time/tbb", "cpu/tbb", "peak/tbb");
  for (const auto& [workload, rows] : table()) {
    const Row* tbb = rows.count("tbb") ? &rows.at("tbb") : nullptr;
    for (const char* variant :
         {"serial", "tbb", "tbb_umap", "rill", "rill_emit", "rill_emit_pairs"}) {
      auto it = rows.find(variant);
      if (it == rows.end()) continue;
      const Row& r = it->second;
      std::printf("%-14s %-15s %9.3f %9.3f %9.1f", workload.c_str(), variant, r.seconds,
                  r.cpu_seconds, double(r.peak) / (1 << 20));
      if (tbb)
        std::printf(" %9.2f %9.2f %9.2f", r.seconds / tbb->seconds,
                    r.cpu_seconds / tbb->cpu_seconds,
                    tbb->peak ? double(r.peak) / double(tbb->peak) : 0.0);
      std::printf("\n");
    }
  }
}

}  // namespace rill_bench

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  rill_bench::print_summary();
  return 0;
}
