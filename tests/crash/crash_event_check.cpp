#include "crash_event_check.hpp"

#include <algorithm>
#include <optional>
#include <set>

#include "crash_event_time.hpp"

namespace rill::crash_test {
namespace {

long floor_div(long a, long b) {
  return a / b - (a % b != 0 && (a < 0) != (b < 0) ? 1 : 0);
}

std::string joined(std::vector<std::string> lines) {
  std::sort(lines.begin(), lines.end());
  std::string s;
  for (const auto& l : lines) s += (s.empty() ? "" : "; ") + l;
  return s.empty() ? "(nothing)" : s;
}

const std::vector<std::string>* lines_of(const BatchLines& m, long t) {
  const auto it = m.find(t);
  return it == m.end() ? nullptr : &it->second;
}

}  // namespace

long check_event_time(const std::map<long, std::vector<long>>& ids_by_batch,
                      const std::map<long, std::pair<std::string, long>>& records,
                      const EventOutputs& got, std::ostream& details, std::size_t shown) {
  std::set<long> times;
  for (const auto* m : {&got.windows, &got.late, &got.watermarks})
    for (const auto& [t, lines] : *m) times.insert(t);
  for (const auto& [t, ids] : ids_by_batch) times.insert(t);

  std::optional<long> wm, max_seen;
  std::map<std::pair<long, std::string>, long> open;  // (window start, key) -> sum
  long mismatched = 0;
  for (const long t : times) {
    const auto eff = wm;  // in effect for this batch: the one after the batch before
    std::vector<std::string> want_late, want_windows;
    const auto ids = ids_by_batch.find(t);
    for (const long id : ids == ids_by_batch.end() ? std::vector<long>{} : ids->second) {
      const auto r = records.find(id);
      if (r == records.end()) continue;
      const long tau = event_time_ms(id);
      max_seen = std::max(max_seen.value_or(tau), tau);
      if (eff && tau < *eff) {
        want_late.push_back(std::to_string(id));
        continue;
      }
      const long first = floor_div(tau - kEventWindowMs, kEventSlideMs) + 1;
      for (long k = first; k <= floor_div(tau, kEventSlideMs); ++k)
        open[{k * kEventSlideMs, r->second.first}] += r->second.second;
    }
    for (auto it = open.begin(); eff && it != open.end();) {
      const long start = it->first.first;
      if (start + kEventWindowMs > *eff) {
        ++it;
        continue;
      }
      want_windows.push_back(std::to_string(start) + " " + std::to_string(start + kEventWindowMs) +
                             " " + it->first.second + " " + std::to_string(it->second));
      it = open.erase(it);
    }
    if (max_seen) wm = std::max(wm.value_or(*max_seen - kEventDelayMs), *max_seen - kEventDelayMs);

    const std::vector<std::string> want_wm{eff ? std::to_string(*eff) : std::string("none")};
    bool ok = true;
    std::string why;
    auto compare = [&](const char* name, const BatchLines& m,
                       const std::vector<std::string>& want) {
      const auto* have = lines_of(m, t);
      if (have && joined(*have) == joined(want)) return;
      ok = false;
      why += std::string("\n    ") + name + ": got " + (have ? joined(*have) : "no output") +
             ", want " + joined(want);
    };
    compare("watermark", got.watermarks, want_wm);
    compare("late ids", got.late, want_late);
    compare("windows closed", got.windows, want_windows);
    if (!ok && mismatched++ < static_cast<long>(shown))
      details << "  event time, batch " << t << ":" << why << "\n";
  }
  return mismatched;
}

}  // namespace rill::crash_test
