#include "crash_event_check.hpp"

#include <algorithm>
#include <optional>
#include <rill/dstream/window_grid.hpp>
#include <set>

#include "crash_event_time.hpp"

namespace rill::crash_test {
namespace {

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
  for (const auto* m :
       {&got.windows, &got.updates, &got.late, &got.watermarks, &got.single_reader_windows})
    for (const auto& [t, lines] : *m) times.insert(t);
  for (const auto& [t, ids] : ids_by_batch) times.insert(t);

  std::optional<long> wm, max_seen;
  // (window start, key) -> sum: append mode's open windows, update mode's live ones.
  std::map<std::pair<long, std::string>, long> open, live;
  long mismatched = 0;
  for (const long t : times) {
    const auto eff = wm;  // in effect for this batch: the one after the batch before
    std::vector<std::string> want_late, want_windows, want_updates;
    std::set<std::pair<long, std::string>> touched;
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
      const long first = detail::WindowGrid::floor_div(tau - kEventWindowMs, kEventSlideMs) + 1;
      for (long k = first; k <= detail::WindowGrid::floor_div(tau, kEventSlideMs); ++k) {
        const std::pair<long, std::string> w{k * kEventSlideMs, r->second.first};
        open[w] += r->second.second;
        live[w] += r->second.second;
        touched.insert(w);
      }
    }
    auto line = [](const std::pair<long, std::string>& w, long sum) {
      return std::to_string(w.first) + " " + std::to_string(w.first + kEventWindowMs) + " " +
             w.second + " " + std::to_string(sum);
    };
    for (const auto& w : touched) want_updates.push_back(line(w, live.at(w)));
    // Update mode frees a window once the watermark in effect passes its end.
    std::erase_if(live,
                  [&](const auto& e) { return eff && e.first.first + kEventWindowMs <= *eff; });
    for (auto it = open.begin(); eff && it != open.end();) {
      const long start = it->first.first;
      if (start + kEventWindowMs > *eff) {
        ++it;
        continue;
      }
      want_windows.push_back(line(it->first, it->second));
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
    compare("windows updated", got.updates, want_updates);
    compare("windows closed (single-reader chain)", got.single_reader_windows, want_windows);
    if (!ok && mismatched++ < static_cast<long>(shown))
      details << "  event time, batch " << t << ":" << why << "\n";
  }
  return mismatched;
}

}  // namespace rill::crash_test
