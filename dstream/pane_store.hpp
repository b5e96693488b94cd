// PaneStore<K, V>: the event-time window state of one partition, updated in place (the
// pane tables of Flink's and Arroyo's window operators): one hash table of keys per pane.
// A batch adds its pre-combined (key, pane) values, emits the windows it closes (append)
// or changed (update) by combining their panes, and drops the panes the watermark has
// passed. Cost: the batch's (key, pane)s plus the panes of the emitted windows, never the
// whole state. Not synchronised: PaneState (pane_state.hpp) guards each store.
#pragma once
#include <algorithm>
#include <cstdint>
#include <functional>
#include <iterator>
#include <limits>
#include <map>
#include <rill/dstream/pane_index.hpp>
#include <rill/dstream/pane_window_stack.hpp>
#include <rill/dstream/window_grid.hpp>
#include <rill/dstream/windowed.hpp>
#include <rill/rdd/flat_hash_map.hpp>
#include <span>
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

  // add() of every ((key, pane), value) of a shuffle bucket (update mode).
  template <class F>
  void add_all(const std::vector<std::pair<PaneKey<K>, V>>& bucket, F& f, const WindowGrid& grid,
               Touched* touched) {
    prefetched(
        bucket.size(),
        [&](std::size_t i) { return locate(bucket[i].first.pane, bucket[i].first.key); },
        [&](std::size_t i, Table& t, std::size_t h) {
          const auto& [pk, v] = bucket[i];
          add_to(t, h, pk.key, pk.pane, v, f, grid, touched);
        });
  }

  // add() of every record of a time-tagged chunk (time_tag.hpp) at or above the
  // watermark `from` (append mode: a map task's records go straight into this store's
  // panes).
  template <class Chunk, class F>
  void add_timed(const Chunk& c, Time from, F& f, const WindowGrid& grid) {
    prefetched(
        c.size(),
        [&](std::size_t i) {
          const auto& [t, kv] = c.at(i);
          return t < from ? Slot{nullptr, 0} : locate(grid.pane_of(t), kv.first);
        },
        [&](std::size_t i, Table& t, std::size_t h) {
          const auto& kv = c.at(i).second;
          add_to(t, h, kv.first, 0, kv.second, f, grid, nullptr);
        });
  }

  // Combines v into the (key, pane) aggregate; records its windows in *touched if given.
  template <class F>
  void add(const K& key, std::int64_t pane, const V& v, F& f, const WindowGrid& grid,
           Touched* touched) {
    add_to(table(pane), Table::hash(key), key, pane, v, f, grid, touched);
  }

 private:
  using Slot = std::pair<Table*, std::size_t>;  // a record's pane table and key hash

  Slot locate(std::int64_t pane, const K& key) {
    Table& t = table(pane);
    const std::size_t h = Table::hash(key);
    t.prefetch(h);
    return {&t, h};
  }

  // apply(i, table, hash) for i in [0, n), in blocks of kBlock records: first the slots
  // (which prefetch) of the whole block, then its records. The pane tables of late-ish
  // records are spread over the whole delay (hundreds of tables, beyond L2), and a probe
  // that waits on each miss is what costs (without: ~15 % more CPU in event_time_bench).
  // Two plain loops over arrays: a ring of slots fetched kAhead records ahead cost ~4
  // instructions per record more in index arithmetic and copies (callgrind, per batch:
  // 6.44 M -> 6.24 M).
  template <class SlotOf, class Apply>
  static void prefetched(std::size_t n, SlotOf&& slot, Apply&& apply) {
    constexpr std::size_t kBlock = 32;
    Table* tables[kBlock];
    std::size_t hashes[kBlock];
    for (std::size_t b = 0; b < n; b += kBlock) {
      const std::size_t m = std::min(kBlock, n - b);
      for (std::size_t j = 0; j < m; ++j) {
        const Slot s = slot(b + j);
        tables[j] = s.first;
        hashes[j] = s.second;
      }
      for (std::size_t j = 0; j < m; ++j)
        if (tables[j]) apply(b + j, *tables[j], hashes[j]);
    }
  }

  template <class F>
  void add_to(Table& t, std::size_t h, const K& key, std::int64_t pane, const V& v, F& f,
              const WindowGrid& grid, Touched* touched) {
    t.merge(h, key, v, f);
    if (touched)
      for (auto k = grid.first_window(pane); k <= grid.last_window(pane); ++k) {
        PaneKey<K> w{key, k};
        const std::size_t wh = Touched::hash(w);
        if (!touched->find(w, wh)) touched->insert_new(wh, std::move(w), char{});
      }
  }

 public:
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
    while (!panes_.empty() && grid.pane_done(panes_.begin()->first, wm.count()))
      panes_.erase(panes_.begin());
    if (panes_.empty())
      index_.clear();
    else
      index_.drop_below(panes_.begin()->first);
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
  // The table of pane p, made if new. The fast path stays small enough to inline into
  // the per-record loop.
  Table& table(std::int64_t p) {
    if (Table* t = index_.find(p)) return *t;
    return new_table(p);
  }
  [[gnu::noinline]] Table& new_table(std::int64_t p) {
    const auto it = panes_.try_emplace(p).first;
    Table& t = it->second;
    // A new pane is nearly always the newest, and fills like the one before it: sized for
    // that from the start, it skips growing from empty through rehashes and the long
    // probes of inserts into nearly full tables. (event_time_bench measures little of it:
    // most of its new panes are made by the first batch, when their neighbours are empty;
    // rehash instructions fell from 43.6 M to 39.0 M over the run.)
    if (it != panes_.begin()) t.reserve(std::prev(it)->second.size());
    // The run may span twice the live panes (gaps), never more: memory stays O(state).
    index_.insert(p, &t, 2 * panes_.size() + 1024);
    return t;
  }
  const Table* pane_table(std::int64_t p) const {
    if (const Table* t = index_.find(p)) return t;
    auto it = panes_.find(p);
    return it == panes_.end() ? nullptr : &it->second;
  }

  template <class It, class F>
  void emit_window(const WindowGrid& grid, std::int64_t k, It it, F& f, std::vector<Out>& out) {
    auto push = [&](const K& key, V&& v) {
      out.push_back({Time{grid.start(k)}, Time{grid.end(k)}, {key, std::move(v)}});
    };
    auto pane_at = [this](std::int64_t p) { return pane_table(p); };
    out.reserve(out.size() + it->second.size());
    if (stack_.window(grid.first_pane(k), grid.end_pane(k), pane_at, f, push)) return;
    Table acc;
    for (; it != panes_.end() && it->first < grid.end_pane(k); ++it) merge_into(acc, it->second, f);
    acc.consume([&](K&& key, V&& v) { push(key, std::move(v)); });
  }

  std::map<std::int64_t, Table> panes_;  // ordered: emission and eviction walk panes in time
  PaneIndex<Table> index_;               // pane -> its table in panes_ (map nodes are stable)
  PaneWindowStack<K, V> stack_;          // append mode: the panes of the last window emitted
};

}  // namespace rill::detail
