// map_with_state(spec): per-key state with a function called per record (Spark's
// mapWithState / MapWithStateDStream). Batch t cogroups the previous state with the
// batch's records; the function maps each record to an R and may update or remove the
// key's state; keys idle longer than the spec's timeout get a last call and are dropped.
// The result streams the mapped values; state_snapshots() streams the whole state.
// Wide for the new records only; the state is partitioned once and joins narrowly. The
// state RDDs form a chain: needs ssc.checkpoint(dir), checkpoints every 10 slides.
#pragma once
#include <rill/dstream/state_spec.hpp>
#include <rill/dstream/transform.hpp>
#include <rill/rdd/cogroup.hpp>
#include <rill/rdd/flat_map.hpp>
#include <rill/rdd/map.hpp>
#include <rill/rdd/map_partitions.hpp>
#include <rill/rdd/partition_by.hpp>

namespace rill::detail {

// The state of one key and the batch time of its last update (for timeouts).
template <class S>
using TimedState = std::pair<S, std::int64_t>;

// One key's outcome of a batch: its state afterwards and what the function returned.
template <class S, class R>
struct MapWithStateEntry {
  std::optional<TimedState<S>> state;
  std::vector<R> mapped;
};

template <class K, class V, class S, class R>
class MapWithStateNode final : public DStreamNode<std::pair<K, TimedState<S>>> {
 public:
  using T = std::pair<K, TimedState<S>>;
  using Entry = std::pair<K, MapWithStateEntry<S, R>>;

  MapWithStateNode(const std::shared_ptr<DStreamNode<std::pair<K, V>>>& parent,
                   StateSpec<K, V, S, R> spec)
      : DStreamNode<T>(parent->graph_ptr(), {parent}, "map_with_state"),
        parent_(parent),
        spec_(std::move(spec)) {
    this->set_persist(true);
    this->set_checkpoint_interval(this->slide_duration() * 10);
    this->set_recoverable(true);
  }
  std::optional<std::string> requires_checkpoint() const override {
    return std::string("map_with_state");
  }

  std::optional<Rdd<T>> compute(Time t) override {
    auto in = parent_->get_or_compute(t);
    if (!in) return std::nullopt;
    auto ctx = this->graph().context();
    const auto parts = spec_.partitions() > 0
                           ? spec_.partitions()
                           : static_cast<std::int64_t>(ctx.state()->source_partitions());
    std::optional<Rdd<T>> prev;
    {
      std::lock_guard lock(mutex_);
      if (last_ && last_->first < t) prev = last_->second;
    }
    if (!prev) prev = this->latest_before(t);  // restored by get_or_create
    if (!prev) {
      const auto zero = this->zero_time().count();
      prev = spec_.initial() ? spec_.initial()->map_values(
                                   [zero](S s) { return TimedState<S>(std::move(s), zero); })
                             : ctx.template empty_rdd<T>();
    }
    auto fn = spec_.fn();
    const auto timeout = spec_.timeout_duration();
    const auto now = t.count();
    auto entries =
        prev->cogroup(*in, parts)
            .map_partitions(
                [fn, timeout, now](auto&& groups) mutable {
                  std::vector<Entry> out;
                  out.reserve(groups.size());
                  for (auto& [k, g] : groups) {
                    auto& [states, values] = g;
                    MapWithStateEntry<S, R> e;
                    if (!states.empty()) e.state = std::move(states.front());
                    if (values.empty()) {
                      // Spark's rule: idle for longer than the timeout.
                      if (e.state && timeout && now - e.state->second > timeout->count()) {
                        State<S> st(std::move(e.state->first), true);
                        e.mapped.push_back(fn(k, std::nullopt, st));
                        e.state.reset();
                      }
                    } else {
                      for (auto& v : values) {
                        State<S> st(e.state ? std::optional<S>(std::move(e.state->first))
                                            : std::nullopt);
                        e.mapped.push_back(fn(k, std::optional<V>(std::move(v)), st));
                        // Any call that leaves a state counts as activity for the timeout.
                        if (st.exists())
                          e.state = TimedState<S>(st.get(), now);
                        else
                          e.state.reset();
                      }
                    }
                    out.emplace_back(k, std::move(e));
                  }
                  return out;
                },
                true);
    entries.cache();
    auto state = entries.flat_map_values([](const MapWithStateEntry<S, R>& e) {
      return e.state ? std::vector<TimedState<S>>{*e.state} : std::vector<TimedState<S>>{};
    });
    std::lock_guard lock(mutex_);
    last_.emplace(t, state);
    entries_.emplace(t, entries);
    return state;
  }

  // The mapped values of batch t (after get_or_compute(t)).
  std::optional<Rdd<R>> mapped(Time t) {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(t);
    if (it == entries_.end()) return std::nullopt;
    return it->second.flat_map([](const Entry& e) { return e.second.mapped; });
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
  std::shared_ptr<DStreamNode<std::pair<K, V>>> parent_;
  StateSpec<K, V, S, R> spec_;
  std::mutex mutex_;
  std::optional<std::pair<Time, Rdd<T>>> last_;  // guarded by mutex_: the newest state
  std::map<Time, Rdd<Entry>> entries_;           // guarded by mutex_: per batch, cached
};

}  // namespace rill::detail

namespace rill {

// The mapped values of map_with_state, plus the state itself.
template <class K, class S, class R>
class MapWithStateDStream : public DStream<R> {
 public:
  MapWithStateDStream(DStream<R> mapped, DStream<std::pair<K, S>> snapshots)
      : DStream<R>(std::move(mapped)), snapshots_(std::move(snapshots)) {}
  // Every key's state after each batch (Spark's stateSnapshots).
  DStream<std::pair<K, S>> state_snapshots() const { return snapshots_; }

 private:
  DStream<std::pair<K, S>> snapshots_;
};

template <class T>
template <class Spec>
auto DStream<T>::map_with_state(const Spec& spec) const {
  static_assert(detail::is_pair_v<T>, "map_with_state needs a DStream<std::pair<K, V>>");
  using K = typename Spec::key_type;
  using V = typename Spec::value_type;
  using S = typename Spec::state_type;
  using R = typename Spec::mapped_type;
  static_assert(std::is_same_v<T, std::pair<K, V>>,
                "map_with_state: the StateSpec's key/value types differ from the stream's");
  auto node = std::make_shared<detail::MapWithStateNode<K, V, S, R>>(node_ptr(), spec);
  auto& g = node->graph_ptr();
  DStream<R> mapped(std::make_shared<detail::TransformedNode<R>>(
      g, std::vector<std::shared_ptr<detail::DStreamBase>>{node}, "map_with_state",
      [node](Time t) -> std::optional<Rdd<R>> {
        if (!node->get_or_compute(t)) return std::nullopt;
        return node->mapped(t);
      }));
  auto snapshots = detail::derive<std::pair<K, S>>(
      DStream<std::pair<K, detail::TimedState<S>>>(node), "state_snapshots",
      [](const auto& r, Time) {
        return r.map_values([](const detail::TimedState<S>& s) { return s.first; });
      });
  return MapWithStateDStream<K, S, R>(std::move(mapped), std::move(snapshots));
}

}  // namespace rill
