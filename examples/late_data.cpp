// rill_late_data: event-time windows and the late records they leave out, per batch.
//
// Three sensors report readings stamped with their own time; the network delivers them
// out of order: most 0-150 ms after they were taken, one in ten 300-600 ms after. rill
// counts readings per sensor in 200 ms event-time windows (with_watermark, 200 ms delay,
// append mode: each window once, when the watermark closes it) and shows, per 100 ms
// batch, the watermark in effect, how many readings arrived too late to count, and the
// windows that closed. Runs on a manual clock, so the output is the same every time.
//
//   rill_late_data               # the rill pipeline
//   rill_late_data --reference   # the same output from a plain serial loop (the test
//                                # compares the two)
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <rill/rill.hpp>
#include <string>
#include <utility>
#include <vector>

namespace {

using namespace std::chrono_literals;
using Reading = std::pair<std::int64_t, int>;  // (event time ms, sensor)
constexpr int kBatches = 30;
constexpr std::int64_t kIntervalMs = 100, kWindowMs = 200, kDelayMs = 200;

// Batch i (at i * 100 ms) delivers 20 readings, deterministic.
std::vector<std::vector<Reading>> make_batches() {
  std::vector<std::vector<Reading>> out(kBatches);
  std::uint64_t s = 7;
  for (int i = 0; i < kBatches; ++i) {
    const std::int64_t arrival = kIntervalMs * (i + 1);
    for (int r = 0; r < 20; ++r) {
      s = s * 6364136223846793005ULL + 1442695040888963407ULL;
      const auto x = s >> 33;
      const std::int64_t age = x % 10 == 0 ? 300 + static_cast<std::int64_t>(x % 301)
                                           : static_cast<std::int64_t>(x % 151);
      out[i].emplace_back(std::max<std::int64_t>(0, arrival - age), static_cast<int>((x >> 8) % 3));
    }
  }
  return out;
}

std::string wm_text(std::optional<std::int64_t> wm) {
  return wm ? std::to_string(*wm) + " ms" : std::string("none");
}

void print_batch(std::int64_t t, std::optional<std::int64_t> wm, std::int64_t late,
                 const std::vector<rill::Windowed<std::pair<int, long>>>& closed) {
  std::cout << "batch " << t << " ms: watermark " << wm_text(wm) << ", late " << late << "\n";
  for (const auto& w : closed)
    std::cout << "  window [" << w.start.count() << "," << w.end.count() << ") sensor "
              << w.value.first << ": " << w.value.second << "\n";
}

// The serial reference: API.md's event-time rules as a plain loop.
void run_reference() {
  std::optional<std::int64_t> wm, max_seen;
  std::map<std::pair<std::int64_t, int>, long> open;  // (window start, sensor) -> count
  std::int64_t total_late = 0;
  const auto batches = make_batches();
  for (int i = 0; i < kBatches; ++i) {
    const auto eff = wm;  // the watermark in effect: the one after the batch before
    std::int64_t late = 0;
    for (const auto& [ts, sensor] : batches[i]) {
      max_seen = std::max(max_seen.value_or(ts), ts);
      if (eff && ts < *eff) {
        ++late;
        continue;
      }
      ++open[{ts / kWindowMs * kWindowMs, sensor}];
    }
    std::vector<rill::Windowed<std::pair<int, long>>> closed;
    for (auto it = open.begin(); eff && it != open.end();) {
      if (it->first.first + kWindowMs > *eff) {
        ++it;
        continue;
      }
      closed.push_back({rill::Time{it->first.first},
                        rill::Time{it->first.first + kWindowMs},
                        {it->first.second, it->second}});
      it = open.erase(it);
    }
    print_batch(kIntervalMs * (i + 1), eff, late, closed);
    total_late += late;
    wm = std::max(wm.value_or(*max_seen - kDelayMs), *max_seen - kDelayMs);
  }
  std::cout << "late readings: " << total_late << "\n";
}

void run_rill() {
  rill::Context ctx(rill::Config{.parallelism = 2, .default_partitions = 2});
  auto clock = std::make_shared<rill::ManualClock>();
  rill::StreamingContext ssc(ctx, rill::Duration{kIntervalMs}, clock);
  const auto dir =
      std::filesystem::temp_directory_path() / ("rill-late-data-" + std::to_string(::getpid()));
  ssc.checkpoint(dir.string());
  std::deque<rill::Rdd<Reading>> q;
  for (auto& b : make_batches()) q.push_back(ctx.parallelize(std::move(b), 2));
  auto timed = ssc.queue_stream(std::move(q))
                   .with_watermark([](const Reading& r) { return rill::Time{r.first}; },
                                   rill::Duration{kDelayMs});
  auto counts = timed.map([](const Reading& r) { return std::pair<int, long>(r.second, 1L); })
                    .reduce_by_key_and_window(std::plus<>{}, rill::Duration{kWindowMs},
                                              rill::Duration{kWindowMs}, rill::OutputMode::append);
  // Outputs of a batch run in definition order: watermark, late count, closed windows.
  std::optional<std::int64_t> wm;
  std::int64_t late = 0, total_late = 0;
  timed.watermarks().foreach_rdd([&](const rill::Rdd<rill::Time>& r) {
    const auto t = r.collect().at(0);
    wm = t == rill::Time::min() ? std::nullopt : std::optional<std::int64_t>(t.count());
  });
  timed.late_records().foreach_rdd([&](const rill::Rdd<Reading>& r) {
    late = r.count();
    total_late += late;
  });
  counts.foreach_rdd([&](const rill::Rdd<rill::Windowed<std::pair<int, long>>>& r, rill::Time t) {
    auto closed = r.collect();
    std::sort(closed.begin(), closed.end());
    print_batch(t.count(), wm, late, closed);
  });
  ssc.start();
  for (int i = 0; i < kBatches; ++i) {
    clock->advance(rill::Duration{kIntervalMs});
    ssc.await_batch_completed(clock->now());
  }
  ssc.stop(false, false);
  std::filesystem::remove_all(dir);
  std::cout << "late readings: " << total_late << "\n";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::string(argv[1]) == "--reference")
    run_reference();
  else
    run_rill();
}
