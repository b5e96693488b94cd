// WindowUpdateNode: one slide of the incremental window as a single narrow pass per
// partition. The previous window and the per-batch reductions entering and leaving it are
// all hash-partitioned alike, so partition p of the new window is partition p of the old
// one, minus (inverse) p of each leaving batch, plus (reduce) p of each entering batch:
// one hash table per partition, no shuffle, no per-key value lists. An input that is not
// partitioned that way (a checkpoint read back, say) is shuffled like a cogroup input.
// Without a filter_fn the slide usually skips the previous window: see LiveWindow.
#pragma once
#include <functional>
#include <rill/dstream/live_window.hpp>
#include <rill/rdd/cogroup.hpp>
#include <rill/rdd/flat_hash_map.hpp>
#include <rill/rdd/size_hint.hpp>

namespace rill::detail {

template <class K, class V, class F, class G, class Filter>
class WindowUpdateNode final : public RddNode<std::pair<K, V>> {
 public:
  using T = std::pair<K, V>;

  // deps: [previous window if has_previous], leaving batches..., entering batches...
  // live (null with a filter_fn): the stream's tables; this node is the window at `time`,
  // the previous one the window at time - slide.
  WindowUpdateNode(std::shared_ptr<ContextState> ctx, std::shared_ptr<const Partitioner> part,
                   std::vector<Dependency> deps, bool has_previous, std::size_t leaving, F f,
                   G inverse, Filter filter, std::shared_ptr<LiveWindow<K, V>> live = nullptr,
                   Time time = Time{0}, Duration slide = Duration{0})
      : RddNode<T>(std::move(ctx), part->num_partitions(), std::move(deps), "WindowedRdd",
                   "reduce_by_key_and_window"),
        has_previous_(has_previous),
        leaving_(leaving),
        live_(std::move(live)),
        time_(time),
        slide_(slide),
        f_(std::move(f)),
        inverse_(std::move(inverse)),
        filter_(std::move(filter)) {
    this->set_partitioner(std::move(part));
  }

  void compute(std::size_t p, TaskContext& tc, ChunkSink<T>& out) override {
    using Table = FlatHashMap<K, V>;
    const auto deps = this->dependencies();
    if (live_ && has_previous_ && live_->advance(p, time_ - slide_, time_, [&](Table& table) {
          apply_batches(table, deps, 1, p, tc);  // deps[0], the previous window, is the table
          ChunkWriter<T> w(out);
          table.for_each([&](const T& kv) { w(kv.first, kv.second); });
          w.flush();
        }))
      return;
    Table table;
    table.reserve(SizeHint<WindowUpdateNode>::get());
    std::size_t i = 0;
    // The inputs are mostly cached (the previous window, the batches' reductions) and
    // read in place: std::move of a const element copies, so a key is copied only into
    // the table, and a leaving one not at all.
    if (has_previous_)
      read_keyed_partition<K, V>(deps[i++], p, tc, [&](auto& kv) {
        table.insert_new(Table::hash(kv.first), std::move(kv.first), std::move(kv.second));
      });
    apply_batches(table, deps, i, p, tc);
    SizeHint<WindowUpdateNode>::set(table.size());
    ChunkWriter<T> w(out);
    if (live_) {  // copied out, so that the next slide can start from this table
      table.for_each([&](const T& kv) { w(kv.first, kv.second); });
      w.flush();
      live_->offer(p, time_, std::move(table));
      return;
    }
    table.consume([&](K&& k, V&& v) {
      if constexpr (std::is_same_v<Filter, std::nullptr_t>) {
        w(std::move(k), std::move(v));
      } else {
        T kv(std::move(k), std::move(v));
        if (std::invoke(filter_, std::as_const(kv))) w(std::move(kv));
      }
    });
    w.flush();
  }

 private:
  // The leaving batches (from deps[i]) out of the table, the entering ones into it.
  void apply_batches(FlatHashMap<K, V>& table, const std::vector<Dependency>& deps, std::size_t i,
                     std::size_t p, TaskContext& tc) {
    for (const std::size_t end = i + leaving_; i < end; ++i)
      read_keyed_partition<K, V>(deps[i], p, tc, [&](auto& kv) {
        // A batch only leaves a window it was in, so its keys are in the table.
        if (auto* e = table.find(kv.first))
          e->second = std::invoke(inverse_, std::move(e->second), std::move(kv.second));
      });
    for (; i < deps.size(); ++i)
      read_keyed_partition<K, V>(deps[i], p, tc, [&](auto& kv) {
        table.merge(FlatHashMap<K, V>::hash(kv.first), std::move(kv.first), std::move(kv.second),
                    f_);
      });
  }

  const bool has_previous_;
  const std::size_t leaving_;
  const std::shared_ptr<LiveWindow<K, V>> live_;
  const Time time_;
  const Duration slide_;
  F f_;
  G inverse_;
  Filter filter_;
};

}  // namespace rill::detail
