// Event-time windows on an EventStream (Structured Streaming's groupBy(window, key) with a
// watermark): reduce_by_key_and_window and count_by_window over [k*slide, k*slide + length).
// Cost: one map-side-combined shuffle per batch of the non-late records, reduced per (key,
// pane of gcd(length, slide)), into a keyed state of panes that joins narrowly (like
// update_state_by_key); windows are combined from panes only when emitted.
#pragma once
#include <algorithm>
#include <numeric>
#include <rill/dstream/event_stream.hpp>
#include <rill/rdd/cogroup.hpp>
#include <rill/rdd/combine_by_key.hpp>
#include <rill/rdd/flat_map.hpp>
#include <rill/rdd/map_partitions.hpp>

namespace rill::detail {

// The window and pane arithmetic of one operator, in milliseconds on the event-time line.
struct WindowGrid {
  std::int64_t length;
  std::int64_t slide;
  std::int64_t pane;  // gcd(length, slide): every window is a whole number of panes

  static std::int64_t floor_div(std::int64_t a, std::int64_t b) {
    return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0);
  }
  std::int64_t pane_of(Time t) const { return floor_div(t.count(), pane); }
  // The windows k that contain pane p: k*slide <= p*pane and k*slide + length >= (p+1)*pane.
  std::int64_t first_window(std::int64_t p) const {
    return -floor_div(length - (p + 1) * pane, slide);
  }
  std::int64_t last_window(std::int64_t p) const { return floor_div(p * pane, slide); }
  std::int64_t start(std::int64_t k) const { return k * slide; }
  std::int64_t end(std::int64_t k) const { return k * slide + length; }
};

inline WindowGrid checked_event_window(Duration length, Duration slide, const std::string& op) {
  if (length.count() <= 0)
    throw std::invalid_argument(op + ": window length must be > 0 ms, got " +
                                std::to_string(length.count()) + " ms");
  if (slide.count() <= 0)
    throw std::invalid_argument(op + ": slide must be > 0 ms, got " +
                                std::to_string(slide.count()) + " ms");
  if (slide > length)
    throw std::invalid_argument(op + ": slide (" + std::to_string(slide.count()) +
                                " ms) must be <= the window length (" +
                                std::to_string(length.count()) + " ms)");
  return {length.count(), slide.count(), std::gcd(length.count(), slide.count())};
}

// A key's partial aggregates per pane, sorted by pane.
template <class V>
using Panes = std::vector<std::pair<std::int64_t, V>>;

template <class V, class F>
void add_to_pane(Panes<V>& panes, std::int64_t p, V v, F& f) {
  auto it = std::lower_bound(panes.begin(), panes.end(), p,
                             [](const auto& e, std::int64_t q) { return e.first < q; });
  if (it != panes.end() && it->first == p)
    it->second = std::invoke(f, std::move(it->second), std::move(v));
  else
    panes.emplace(it, p, std::move(v));
}

// One key's outcome of a batch: the panes it keeps and the windows it emits.
template <class K, class V>
struct EventWindowEntry {
  Panes<V> panes;
  std::vector<Windowed<std::pair<K, V>>> emitted;
};

template <class K, class V, class F>
class EventWindowNode final : public DStreamNode<std::pair<K, Panes<V>>> {
 public:
  using T = std::pair<K, Panes<V>>;
  using Tagged = std::pair<Time, std::pair<K, V>>;
  using Entry = std::pair<K, EventWindowEntry<K, V>>;
  using Out = Windowed<std::pair<K, V>>;

  EventWindowNode(const std::shared_ptr<DStreamNode<Tagged>>& parent,
                  std::shared_ptr<WatermarkTracker> wm, F f, WindowGrid grid, OutputMode mode)
      : DStreamNode<T>(parent->graph_ptr(), {parent, wm}, "event_time_window"),
        parent_(parent),
        wm_(std::move(wm)),
        f_(std::move(f)),
        grid_(grid),
        mode_(mode) {
    this->set_persist(true);  // the next batch starts from this state
    this->set_checkpoint_interval(this->slide_duration() * 10);
    this->set_recoverable(true);
  }

  std::optional<Rdd<T>> compute(Time t) override {
    auto in = parent_->get_or_compute(t);
    if (!in) return std::nullopt;
    const auto ws = wm_->state_at(t);
    const std::int64_t eff = ws.in_effect.count();
    const std::int64_t prev_eff = ws.prev_in_effect.count();
    auto ctx = this->graph().context();
    const auto parts = static_cast<std::int64_t>(ctx.state()->source_partitions());
    const auto grid = grid_;
    auto f = f_;
    // This batch's non-late records, reduced per (key, pane) on the map side.
    auto fresh =
        in->filter([eff](const Tagged& r) { return r.first.count() >= eff; })
            .map([grid](const Tagged& r) {
              return std::pair<K, std::pair<std::int64_t, V>>(
                  r.second.first,
                  std::pair<std::int64_t, V>(grid.pane_of(r.first), r.second.second));
            })
            .combine_by_key([](std::pair<std::int64_t, V>&& pv) { return Panes<V>{std::move(pv)}; },
                            [f](Panes<V>&& c, std::pair<std::int64_t, V>&& pv) mutable {
                              add_to_pane(c, pv.first, std::move(pv.second), f);
                              return std::move(c);
                            },
                            [f](Panes<V>&& a, const Panes<V>& b) mutable {
                              for (const auto& [p, v] : b) add_to_pane(a, p, V(v), f);
                              return std::move(a);
                            },
                            parts);
    std::optional<Rdd<T>> prev;
    {
      std::lock_guard lock(mutex_);
      if (last_ && last_->first < t) prev = last_->second;
    }
    if (!prev) prev = this->latest_before(t);  // restored by get_or_create
    if (!prev) prev = ctx.template empty_rdd<T>();
    const bool update = mode_ == OutputMode::update;
    auto entries =
        prev->cogroup(fresh, parts)
            .map_partitions(
                [f, grid, eff, prev_eff, update](auto&& groups) mutable {
                  std::vector<Entry> out;
                  out.reserve(groups.size());
                  std::vector<std::int64_t> ks;
                  for (auto& [key, g] : groups) {
                    auto& [states, added] = g;
                    EventWindowEntry<K, V> e;
                    if (!states.empty()) e.panes = std::move(states.front());
                    ks.clear();
                    if (!added.empty())
                      for (auto& [p, v] : added.front()) {
                        if (update)
                          for (auto k = grid.first_window(p); k <= grid.last_window(p); ++k)
                            ks.push_back(k);
                        add_to_pane(e.panes, p, std::move(v), f);
                      }
                    if (!update)
                      // Append: the windows the watermark closed in this batch.
                      for (auto& pv : e.panes)
                        for (auto k = grid.first_window(pv.first); k <= grid.last_window(pv.first);
                             ++k)
                          if (grid.end(k) > prev_eff && grid.end(k) <= eff) ks.push_back(k);
                    std::sort(ks.begin(), ks.end());
                    ks.erase(std::unique(ks.begin(), ks.end()), ks.end());
                    for (auto k : ks) {
                      const auto first = grid.start(k) / grid.pane;
                      const auto last = grid.end(k) / grid.pane;  // exclusive
                      auto it = std::lower_bound(
                          e.panes.begin(), e.panes.end(), first,
                          [](const auto& pv, std::int64_t q) { return pv.first < q; });
                      std::optional<V> acc;
                      for (; it != e.panes.end() && it->first < last; ++it)
                        acc = acc ? std::invoke(f, std::move(*acc), it->second) : it->second;
                      if (acc)
                        e.emitted.push_back(
                            {Time{grid.start(k)}, Time{grid.end(k)}, {key, std::move(*acc)}});
                    }
                    // Panes whose every window the watermark has passed are done.
                    std::erase_if(e.panes, [&](const auto& pv) {
                      return grid.end(grid.last_window(pv.first)) <= eff;
                    });
                    if (!e.panes.empty() || !e.emitted.empty()) out.emplace_back(key, std::move(e));
                  }
                  return out;
                },
                true);
    entries.cache();
    auto state = entries.flat_map_values([](const EventWindowEntry<K, V>& e) {
      return e.panes.empty() ? std::vector<Panes<V>>{} : std::vector<Panes<V>>{e.panes};
    });
    std::lock_guard lock(mutex_);
    last_.emplace(t, state);
    entries_.emplace(t, entries);
    return state;
  }

  // The windows batch t emits (after get_or_compute(t)).
  std::optional<Rdd<Out>> emitted(Time t) {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(t);
    if (it == entries_.end()) return std::nullopt;
    return it->second.flat_map([](const Entry& e) { return e.second.emitted; });
  }

  void clear_metadata(Time t) override {
    DStreamNode<T>::clear_metadata(t);
    std::vector<Rdd<Entry>> dropped;
    {
      std::lock_guard lock(mutex_);
      auto end = entries_.upper_bound(t - this->remember_duration());
      for (auto it = entries_.begin(); it != end; ++it) dropped.push_back(it->second);
      entries_.erase(entries_.begin(), end);
    }
    for (auto& r : dropped) r.unpersist();
  }

 private:
  std::shared_ptr<DStreamNode<Tagged>> parent_;
  std::shared_ptr<WatermarkTracker> wm_;
  F f_;
  const WindowGrid grid_;
  const OutputMode mode_;
  std::mutex mutex_;
  std::optional<std::pair<Time, Rdd<T>>> last_;  // guarded by mutex_: the newest state
  std::map<Time, Rdd<Entry>> entries_;           // guarded by mutex_: per batch, cached
};

}  // namespace rill::detail

namespace rill {

template <class T>
template <class F>
auto EventStream<T>::reduce_by_key_and_window(F f, Duration length, Duration slide,
                                              OutputMode mode) const {
  static_assert(detail::is_pair_v<T>,
                "reduce_by_key_and_window needs an EventStream<std::pair<K, V>>");
  using K = typename T::first_type;
  using V = typename T::second_type;
  const auto grid = detail::checked_event_window(length, slide, "reduce_by_key_and_window");
  auto node = std::make_shared<detail::EventWindowNode<K, V, F>>(tagged_.node_ptr(), watermark_,
                                                                 std::move(f), grid, mode);
  using Out = Windowed<std::pair<K, V>>;
  return DStream<Out>(std::make_shared<detail::TransformedNode<Out>>(
      node->graph_ptr(), std::vector<std::shared_ptr<detail::DStreamBase>>{node},
      "reduce_by_key_and_window", [node](Time t) -> std::optional<Rdd<Out>> {
        if (!node->get_or_compute(t)) return std::nullopt;
        return node->emitted(t);
      }));
}

template <class T>
DStream<Windowed<std::int64_t>> EventStream<T>::count_by_window(Duration length, Duration slide,
                                                                OutputMode mode) const {
  detail::checked_event_window(length, slide, "count_by_window");
  // One key for the whole stream, so one reducer: the count is a single number anyway.
  auto counts = map([](const T&) {
                  return std::pair<int, std::int64_t>(0, 1);
                }).reduce_by_key_and_window(std::plus<std::int64_t>{}, length, slide, mode);
  using In = Windowed<std::pair<int, std::int64_t>>;
  return detail::derive<Windowed<std::int64_t>>(
      counts, "count_by_window", [](const Rdd<In>& r, Time) {
        return r.map([](const In& w) {
          return Windowed<std::int64_t>{w.start, w.end, w.value.second};
        });
      });
}

}  // namespace rill
