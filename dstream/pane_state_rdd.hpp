// The RDDs of event-time pane state for one batch. PaneAdvanceNode: partition p applies the
// batch to the state of partition p in place - in update mode bucket p of a
// map-side-combined shuffle by key, in append mode the time-tagged records of a range of
// the batch's partitions (then its windows are partial aggregates) - and gives the windows
// that closed; once every partition is applied it drops its lineage. PaneSnapshotNode: the
// state after the batch as (key, (pane, value)) entries, computed only to checkpoint it.
#pragma once
#include <atomic>
#include <rill/dstream/pane_state.hpp>
#include <rill/rdd/cogroup.hpp>

namespace rill::detail {

// One batch's step: its time, the batch it continues from and the watermarks it runs with.
struct PaneStep {
  Time time;
  std::optional<Time> prev_time;  // none: the first batch, from an empty state
  Time prev_watermark;            // in effect for the batch before (append closes between)
  Time watermark;                 // in effect for this batch
  OutputMode mode;
  bool keep_snapshot;  // keep the state after this batch (a checkpoint may read it late)
};

template <class K, class V, class F>
class PaneAdvanceNode final : public RddNode<Windowed<std::pair<K, V>>> {
 public:
  using State = PaneState<K, V>;
  using Out = typename State::Out;
  using Entry = typename State::Entry;
  using Bucket = std::vector<std::pair<PaneKey<K>, V>>;
  using Tagged = std::pair<Time, std::pair<K, V>>;
  // deps[1], if any: the previous batch's advance, or a state restored from a checkpoint.
  enum class Prev { none, advance, restored };

  PaneAdvanceNode(std::shared_ptr<ContextState> ctx, std::shared_ptr<const Partitioner> part,
                  std::vector<Dependency> deps, Prev prev, std::shared_ptr<State> state,
                  PaneStep step, F f, WindowGrid grid)
      : RddNode<Out>(std::move(ctx), part->num_partitions(), std::move(deps), "PaneStateRdd",
                     "event_time_window"),
        prev_(prev),
        state_(std::move(state)),
        step_(step),
        f_(std::move(f)),
        grid_(grid) {
    // Keyed input: partition p holds the keys `part` sends to p. Local input holds
    // partial aggregates of any keys, so it claims no partitioning.
    if (this->dependencies().at(0).kind == Dependency::Kind::shuffle)
      this->set_partitioner(std::move(part));
  }

  void compute(std::size_t p, TaskContext& tc, ChunkSink<Out>& out) override {
    ensure_applied(p, tc);
    auto& part = state_->at(p);
    std::shared_ptr<const std::vector<Out>> windows;
    {
      std::lock_guard lock(part.mutex);
      if (auto it = part.emitted.find(step_.time); it != part.emitted.end()) windows = it->second;
    }
    if (!windows)
      throw std::logic_error("event_time_window: the windows of batch " +
                             std::to_string(step_.time.count()) + " ms (partition " +
                             std::to_string(p) + ") are no longer kept");
    push_shared<Out>(*windows, out);
  }

  bool fully_applied() const { return applied_.load() == this->num_partitions(); }

  // Applies this batch to partition p's state unless done: the batches before it first.
  void ensure_applied(std::size_t p, TaskContext& tc) {
    auto& part = state_->at(p);
    {
      std::lock_guard lock(part.mutex);
      if (part.applied(step_.time)) return;
    }
    auto deps = this->dependencies();
    if (prev_ == Prev::advance)
      std::static_pointer_cast<PaneAdvanceNode>(deps.at(1).parent)->ensure_applied(p, tc);
    std::lock_guard lock(part.mutex);
    if (part.applied(step_.time)) return;  // another task got there first
    if (part.failure) throw std::runtime_error(*part.failure);
    try {
      apply(p, part, deps, tc);
    } catch (const std::exception& e) {
      part.failure = "event_time_window: the window state of partition " + std::to_string(p) +
                     " was lost when batch " + std::to_string(step_.time.count()) +
                     " ms failed: " + e.what();
      throw;
    }
    if (applied_.fetch_add(1) + 1 == this->num_partitions()) this->release_dependencies();
  }

 private:
  // Under part.mutex.
  void apply(std::size_t p, typename State::Partition& part, const std::vector<Dependency>& deps,
             TaskContext& tc) {
    if (prev_ == Prev::restored && !part.version) {
      read_keyed_partition<K, std::pair<std::int64_t, V>>(
          deps.at(1), p, tc, [&](Entry& e) { part.store.load(e, f_); });
      part.version = step_.prev_time;
    }
    if (part.version != step_.prev_time)
      throw std::logic_error(
          "event_time_window: partition " + std::to_string(p) + " of the window state is at " +
          (part.version ? std::to_string(part.version->count()) + " ms" : std::string("no batch")) +
          ", batch " + std::to_string(step_.time.count()) + " ms continues from " +
          (step_.prev_time ? std::to_string(step_.prev_time->count()) + " ms" : "none"));
    const bool update = step_.mode == OutputMode::update;
    typename State::Store::Touched touched;
    if (deps.at(0).kind == Dependency::Kind::shuffle) {
      auto shuffle = std::static_pointer_cast<ShuffleOutput<Bucket>>(deps.at(0).shuffle);
      for (const auto& o : shuffle->map_outputs()) {
        const Bucket& b = (*o)[p];
        tc.records_in += static_cast<std::int64_t>(b.size());
        part.store.add_all(b, f_, grid_, update ? &touched : nullptr);
      }
    } else {
      // Local input (append mode): this store takes the time-tagged records of a range of
      // the batch's partitions as they are computed; its windows are partial aggregates.
      auto parent = std::static_pointer_cast<RddNode<Tagged>>(deps.at(0).parent);
      const std::size_t n = parent->num_partitions(), stores = this->num_partitions();
      for (std::size_t q = p * n / stores; q < (p + 1) * n / stores; ++q)
        for_each_timed_chunk<std::pair<K, V>>(*parent, q, tc, [&](const auto& c) {
          tc.records_in += static_cast<std::int64_t>(c.size());
          part.store.add_timed(c, step_.watermark, f_, grid_);
        });
    }
    auto windows = update
                       ? part.store.changed_windows(grid_, touched, f_)
                       : part.store.close_windows(grid_, step_.prev_watermark, step_.watermark, f_);
    part.store.evict(grid_, step_.watermark);
    tc.records_out += static_cast<std::int64_t>(windows.size());
    part.emitted.insert_or_assign(step_.time,
                                  std::make_shared<const std::vector<Out>>(std::move(windows)));
    if (step_.keep_snapshot)
      part.snapshots.insert_or_assign(
          step_.time, std::make_shared<const std::vector<Entry>>(part.store.snapshot()));
    part.version = step_.time;
  }

  const Prev prev_;
  std::shared_ptr<State> state_;
  const PaneStep step_;
  F f_;
  const WindowGrid grid_;
  std::atomic<std::size_t> applied_{0};  // partitions applied by this node
};

template <class K, class V, class F>
class PaneSnapshotNode final : public RddNode<typename PaneState<K, V>::Entry> {
 public:
  using State = PaneState<K, V>;
  using Entry = typename State::Entry;
  using Advance = PaneAdvanceNode<K, V, F>;

  PaneSnapshotNode(const std::shared_ptr<Advance>& advance, std::shared_ptr<State> state, Time t)
      : RddNode<Entry>(advance->context(), advance->num_partitions(),
                       {Dependency{Dependency::Kind::one_to_one, advance, nullptr}},
                       "PaneSnapshotRdd", "event_time_window"),
        advance_(advance),
        state_(std::move(state)),
        time_(t) {
    this->set_partitioner(advance->partitioner());
  }

  void compute(std::size_t p, TaskContext& tc, ChunkSink<Entry>& out) override {
    advance_->ensure_applied(p, tc);
    auto& part = state_->at(p);
    std::shared_ptr<const std::vector<Entry>> entries;
    {
      std::lock_guard lock(part.mutex);
      if (auto it = part.snapshots.find(time_); it != part.snapshots.end())
        entries = it->second;
      else if (part.version == time_)
        entries = std::make_shared<const std::vector<Entry>>(part.store.snapshot());
      else
        throw std::logic_error("event_time_window: the window state of batch " +
                               std::to_string(time_.count()) + " ms (partition " +
                               std::to_string(p) + ") is gone: the state has moved on to " +
                               std::to_string(part.version->count()) + " ms");
    }
    push_shared<Entry>(*entries, out);
  }

 private:
  std::shared_ptr<Advance> advance_;  // also deps[0]; never released
  std::shared_ptr<State> state_;
  const Time time_;
};

}  // namespace rill::detail
