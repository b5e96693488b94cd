// Event-time windows on an EventStream (Structured Streaming's groupBy(window, key) with a
// watermark): reduce_by_key_and_window and count_by_window over [k*slide, k*slide + length).
// Cost per batch, append mode: each state partition adds the non-late records of a range
// of the batch's partitions into its own pane tables (panes of gcd(length, slide)) in
// place, no per-record shuffle; the windows that close are combined from the panes and
// only those partial aggregates are shuffled by (window, key). Update mode needs every
// key's whole window in one partition: a map-side-combined shuffle keyed by (key, pane),
// routed by key. No per-batch copy of the state; it is materialised only for checkpoints.
#pragma once
#include <rill/dstream/event_stream.hpp>
#include <rill/dstream/pane_state_rdd.hpp>
#include <rill/rdd/actions.hpp>
#include <rill/rdd/combine_by_key.hpp>
#include <rill/rdd/filter.hpp>
#include <rill/rdd/map.hpp>
#include <rill/rdd/shuffle.hpp>

namespace rill::detail {

// Routes a (key, pane) to the reducer of its key, so that a window is whole in one partition.
struct RouteByPaneKey {
  template <class K>
  std::size_t operator()(const HashPartitioner& partitioner, const PaneKey<K>& k,
                         std::size_t) const {
    return partitioner.partition(k.key);
  }
};

// The stream of the window state: its RDD of batch t is the state after t as
// (key, (pane, value)) entries (what get_or_create checkpoints and restores); the windows
// batch t emits come from advanced(t).
template <class K, class V, class F>
class EventWindowNode final : public DStreamNode<std::pair<K, std::pair<std::int64_t, V>>> {
 public:
  using T = std::pair<K, std::pair<std::int64_t, V>>;
  using Tagged = std::pair<Time, std::pair<K, V>>;
  using Out = Windowed<std::pair<K, V>>;
  using Advance = PaneAdvanceNode<K, V, F>;
  using Snapshot = PaneSnapshotNode<K, V, F>;

  EventWindowNode(const std::shared_ptr<DStreamNode<Tagged>>& parent,
                  std::shared_ptr<WatermarkTracker> wm, F f, WindowGrid grid, OutputMode mode)
      : DStreamNode<T>(parent->graph_ptr(), {parent, wm}, "event_time_window"),
        parent_(parent),
        wm_(std::move(wm)),
        f_(std::move(f)),
        grid_(grid),
        mode_(mode) {
    this->set_recoverable(true);
  }

  std::optional<Rdd<T>> compute(Time t) override {
    register_forcer();
    // The batch before is finished first: its add pass also completes the watermark
    // statistics that the watermark of t needs (a fallback would read the records again).
    force(std::nullopt);
    auto in = parent_->get_or_compute(t);
    if (!in) return std::nullopt;
    const auto ws = wm_->effect_at(t);
    auto ctx = this->graph().context();
    const auto parts = ctx.state()->source_partitions();
    auto part = std::make_shared<HashPartitioner>(parts);
    std::shared_ptr<Advance> last;
    std::optional<Time> last_time;
    {
      std::lock_guard lock(mutex_);
      if (!state_) state_ = std::make_shared<PaneState<K, V>>(parts);
      if (last_ && last_->first < t) std::tie(last_time, last) = *last_;
    }

    std::vector<Dependency> deps{input_dependency(*in, ws.in_effect, part, parts)};
    auto prev = Advance::Prev::none;
    if (last) {
      deps.push_back(Dependency{Dependency::Kind::one_to_one, last, nullptr});
      prev = Advance::Prev::advance;
    } else if (auto restored = this->latest_entry_before(t)) {  // get_or_create
      deps.push_back(cogroup_dependency(restored->second, part));
      prev = Advance::Prev::restored;
      last_time = restored->first;
    }
    // In recovery mode every batch's state is checkpointed by a job that may run after a
    // later batch advanced the state: a restart generates the batches of its downtime at
    // once, and a backlog generates batches ahead of their jobs (each generation applies
    // the batch before it, above). So the state after t is kept until t is forgotten.
    const PaneStep step{
        t, last_time, ws.prev_in_effect, ws.in_effect, mode_, this->graph().recovery_mode()};
    auto advance = std::make_shared<Advance>(ctx.state(), part, std::move(deps), prev, state_, step,
                                             f_, grid_);
    Rdd<T> snapshot(std::make_shared<Snapshot>(advance, state_, t));
    auto windows = emitted_windows(advance, parts);
    std::lock_guard lock(mutex_);
    last_.emplace(t, advance);
    advances_.emplace(t, std::move(windows));
    return snapshot;
  }

  // The windows batch t emits (after get_or_compute(t)).
  std::optional<Rdd<Out>> advanced(Time t) {
    std::lock_guard lock(mutex_);
    auto it = advances_.find(t);
    if (it == advances_.end()) return std::nullopt;
    return it->second;
  }

  // For tests of bounded memory; none before the first batch.
  std::shared_ptr<PaneState<K, V>> pane_state() {
    std::lock_guard lock(mutex_);
    return state_;
  }

  void clear_metadata(Time t) override {
    DStreamNode<T>::clear_metadata(t);
    const Time limit = t - this->remember_duration();
    std::shared_ptr<PaneState<K, V>> state;
    {
      std::lock_guard lock(mutex_);
      advances_.erase(advances_.begin(), advances_.upper_bound(limit));
      state = state_;
    }
    if (state) state->forget_until(limit);
  }

 private:
  // Applies every partition of the newest batch (of batch `t` only, if given) that no
  // output computed (print() reads only the first ones): so the chain of batches waiting
  // on each other never grows past one, and the batch's watermark statistics are complete.
  void force(std::optional<Time> t) {
    std::shared_ptr<Advance> last;
    {
      std::lock_guard lock(mutex_);
      if (last_ && (!t || last_->first == *t)) last = last_->second;
    }
    if (last && !last->fully_applied()) Rdd<Out>(last).count();
  }
  void register_forcer() {
    std::lock_guard lock(mutex_);
    if (forcer_) return;
    forcer_ = std::make_shared<const WatermarkTracker::Forcer>([this](Time t) { force(t); });
    wm_->add_forcer(forcer_);
  }

  // The batch's records as the advance reads them. Append: each state partition reads a
  // range of the batch's partitions itself and adds them to its own panes (no per-record
  // shuffle; callgrind, event_time_bench: 14.4 -> 12.0 M instructions per batch). Update
  // must see each key's whole window in one partition: a map-side-combined shuffle by key.
  Dependency input_dependency(const Rdd<Tagged>& in, Time eff,
                              const std::shared_ptr<HashPartitioner>& part, std::size_t parts) {
    if (mode_ == OutputMode::append)
      return Dependency{Dependency::Kind::range, in.node_ptr(), nullptr};
    const auto grid = grid_;
    using Paned = std::pair<PaneKey<K>, V>;
    auto fresh =
        in.filter([eff](const Tagged& r) { return r.first >= eff; }).map([grid](const Tagged& r) {
          return Paned(PaneKey<K>{r.second.first, grid.pane_of(r.first)}, r.second.second);
        });
    using Writer =
        CombineWriter<PaneKey<K>, V, V, HashPartitioner, std::identity, F, RouteByPaneKey>;
    using Bucket = typename Advance::Bucket;
    auto shuffle = std::make_shared<ShuffleDep<Paned, Bucket, Writer>>(
        fresh.node_ptr(), parts, Writer{part, std::identity{}, f_});
    return Dependency{Dependency::Kind::shuffle, nullptr, shuffle};
  }

  // The windows batch t emits: the advance's own in update mode; in append mode each
  // state partition gave partial aggregates of its panes, combined here by (window, key)
  // (a shuffle of the closing windows only).
  Rdd<Out> emitted_windows(const std::shared_ptr<Advance>& advance, std::size_t parts) {
    Rdd<Out> own(advance);
    if (mode_ == OutputMode::update || parts == 1) return own;
    const auto length = grid_.length;
    using Partial = std::pair<PaneKey<K>, V>;  // pane = the window's start (ms)
    return own
        .map([](const Out& w) {
          return Partial(PaneKey<K>{w.value.first, w.start.count()}, w.value.second);
        })
        .reduce_by_key(f_, static_cast<std::int64_t>(parts))
        .map([length](const Partial& w) {
          return Out{Time{w.first.pane}, Time{w.first.pane + length}, {w.first.key, w.second}};
        });
  }

  std::shared_ptr<DStreamNode<Tagged>> parent_;
  std::shared_ptr<WatermarkTracker> wm_;
  F f_;
  const WindowGrid grid_;
  const OutputMode mode_;
  std::mutex mutex_;
  std::shared_ptr<PaneState<K, V>> state_;                         // guarded by mutex_ (set once)
  std::optional<std::pair<Time, std::shared_ptr<Advance>>> last_;  // guarded: the newest batch
  std::map<Time, Rdd<Out>> advances_;                              // guarded: per batch
  std::shared_ptr<const WatermarkTracker::Forcer> forcer_;         // guarded (set once)
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
        return node->advanced(t);
      }));
}

template <class T>
DStream<Windowed<std::int64_t>> EventStream<T>::count_by_window(Duration length, Duration slide,
                                                                OutputMode mode) const {
  detail::checked_event_window(length, slide, "count_by_window");
  // One key, so one reducer, but it only merges what each map task pre-counted per pane
  // (one value per pane and map task): the per-record work is parallel.
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
