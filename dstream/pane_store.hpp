// PaneStore<K, V>: the event-time window state of one partition, updated in place (the
// pane tables of Flink's and Arroyo's window operators): one hash table of keys per pane.
// A batch adds its pre-combined (key, pane) values, emits the windows it closes (append)
// or changed (update) by combining their panes, and drops the panes the watermark has
// passed. Cost: the batch's (key, pane)s plus the panes of the emitted windows, never the
// whole state. Not synchronised: PaneState (pane_state.hpp) guards each store.
#pragma once
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <rill/dstream/window_grid.hpp>
#include <rill/dstream/windowed.hpp>
#include <rill/rdd/flat_hash_map.hpp>
#include <utility>
#include <vector>

namespace rill::detail {

// The key of one pane's partial aggregate (or, in update mode, of one window: pane = k).
template <class K>
struct PaneKey {
  K key;
  std::int64_t pane;
  friend bool operator==(const PaneKey&, const PaneKey&) = default;
};

}  // namespace rill::detail

template <class K>
struct rill::Hash<rill::detail::PaneKey<K>> {
  std::size_t operator()(const rill::detail::PaneKey<K>& k) const noexcept {
    return detail::hash_combine(Hash<K>{}(k.key), static_cast<std::size_t>(k.pane));
  }
};

namespace rill::detail {

template <class K, class V>
class PaneStore {
 public:
  using Table = FlatHashMap<K, V>;
  using Out = Windowed<std::pair<K, V>>;
  using Entry = std::pair<K, std::pair<std::int64_t, V>>;  // (key, (pane, value)): a snapshot
  using Touched = FlatHashMap<PaneKey<K>, char>;           // (key, window) of update mode

  // Combines v into the (key, pane) aggregate; records its windows in *touched if given.
  template <class F>
  void add(const K& key, std::int64_t pane, const V& v, F& f, const WindowGrid& grid,
           Touched* touched) {
    Table& t = table(pane);
    const std::size_t h = Table::hash(key);
    if (auto* e = t.find(key, h))
      e->second = std::invoke(f, std::move(e->second), v);
    else
      t.insert_new(h, key, v);
    if (touched)
      for (auto k = grid.first_window(pane); k <= grid.last_window(pane); ++k) {
        PaneKey<K> w{key, k};
        const std::size_t wh = Touched::hash(w);
        if (!touched->find(w, wh)) touched->insert_new(wh, std::move(w), char{});
      }
  }

  // Append: every window with prev_wm < end <= wm, summed from its panes (the panes of a
  // closing window are final: records below the watermark are late).
  template <class F>
  std::vector<Out> close_windows(const WindowGrid& grid, Time prev_wm, Time wm, F& f) {
    std::vector<Out> out;
    if (wm == Time::min() || panes_.empty()) return out;
    // Windows k with end(k) in (prev_wm, wm], limited to those holding a pane.
    std::int64_t k = grid.first_window(panes_.begin()->first);
    if (prev_wm != Time::min())
      k = std::max(k, WindowGrid::floor_div(prev_wm.count() - grid.length, grid.slide) + 1);
    const std::int64_t last = std::min(WindowGrid::floor_div(wm.count() - grid.length, grid.slide),
                                       grid.last_window(panes_.rbegin()->first));
    while (k <= last) {
      auto it = panes_.lower_bound(grid.first_pane(k));
      if (it == panes_.end()) break;
      if (it->first >= grid.end_pane(k)) {  // no pane in k: skip to the next window with one
        k = std::max(k + 1, grid.first_window(it->first));
        continue;
      }
      emit_window(grid, k, it, f, out);
      ++k;
    }
    return out;
  }

  // Update: each (key, window) the batch touched, with its value after the batch.
  template <class F>
  std::vector<Out> changed_windows(const WindowGrid& grid, Touched& touched, F& f) {
    std::vector<Out> out;
    out.reserve(touched.size());
    touched.consume([&](PaneKey<K>&& w, char&&) {
      const std::size_t h = Table::hash(w.key);
      std::optional<V> acc;
      for (auto it = panes_.lower_bound(grid.first_pane(w.pane));
           it != panes_.end() && it->first < grid.end_pane(w.pane); ++it)
        if (const auto* e = it->second.find(w.key, h))
          acc = acc ? std::invoke(f, std::move(*acc), e->second) : e->second;
      if (acc)
        out.push_back({Time{grid.start(w.pane)},
                       Time{grid.end(w.pane)},
                       {std::move(w.key), std::move(*acc)}});
    });
    return out;
  }

  // Drops the panes whose every window the watermark has passed.
  void evict(const WindowGrid& grid, Time wm) {
    if (wm == Time::min()) return;
    bool dropped = false;
    while (!panes_.empty() && grid.pane_done(panes_.begin()->first, wm.count())) {
      panes_.erase(panes_.begin());
      dropped = true;
    }
    if (dropped) reindex();
  }

  // Every (key, pane) aggregate, for a checkpoint.
  std::vector<Entry> snapshot() const {
    std::vector<Entry> out;
    out.reserve(entries());
    for (const auto& [p, t] : panes_)
      t.for_each(
          [&, p = p](const auto& kv) { out.emplace_back(kv.first, std::pair(p, kv.second)); });
    return out;
  }
  // Puts back one entry of a snapshot.
  template <class F>
  void load(const Entry& e, F& f) {
    add(e.first, e.second.first, e.second.second, f, WindowGrid{1, 1, 1}, nullptr);
  }

  std::size_t entries() const {
    std::size_t n = 0;
    for (const auto& [p, t] : panes_) n += t.size();
    return n;
  }

 private:
  // The table of pane p, made if new. The index finds it without walking the ordered map.
  Table& table(std::int64_t p) {
    const std::size_t h = Index::hash(p);
    if (auto* e = index_.find(p, h)) return *e->second;
    Table& t = panes_[p];
    index_.insert_new(h, p, &t);
    return t;
  }
  void reindex() {
    Index fresh;
    fresh.reserve(panes_.size());
    for (auto& [p, t] : panes_) fresh.insert_new(Index::hash(p), p, &t);
    index_ = std::move(fresh);
  }

  template <class It, class F>
  void emit_window(const WindowGrid& grid, std::int64_t k, It it, F& f, std::vector<Out>& out) {
    Table acc;
    acc.reserve(it->second.size());
    for (; it != panes_.end() && it->first < grid.end_pane(k); ++it)
      it->second.for_each([&](const auto& kv) {
        const std::size_t h = Table::hash(kv.first);
        if (auto* e = acc.find(kv.first, h))
          e->second = std::invoke(f, std::move(e->second), kv.second);
        else
          acc.insert_new(h, kv.first, kv.second);
      });
    out.reserve(out.size() + acc.size());
    acc.consume([&](K&& key, V&& v) {
      out.push_back({Time{grid.start(k)}, Time{grid.end(k)}, {std::move(key), std::move(v)}});
    });
  }

  using Index = FlatHashMap<std::int64_t, Table*>;
  std::map<std::int64_t, Table> panes_;  // ordered: emission and eviction walk panes in time
  Index index_;                          // pane -> its table in panes_ (map nodes are stable)
};

}  // namespace rill::detail
