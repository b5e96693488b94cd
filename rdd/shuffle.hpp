// The shuffle: a map side that cuts each parent partition into one bucket per reducer,
// kept in memory, and a reduce side (ShuffledNode) that reads bucket r of every map task.
// Map outputs live as long as the dependency, so later jobs reuse them (like Spark's
// shuffle files); buckets are immutable once written, so retried reducers read them again.
#pragma once
#include <mutex>
#include <rill/rdd/flat_hash_map.hpp>
#include <rill/rdd/hash_partitioner.hpp>
#include <rill/rdd/rdd.hpp>
#include <rill/rdd/size_hint.hpp>

namespace rill::detail {

template <class Bucket>
class ShuffleOutput : public ShuffleDependency {
 public:
  using MapOutput = std::shared_ptr<const std::vector<Bucket>>;

  ShuffleOutput(std::size_t id, std::shared_ptr<LineageNode> parent, std::size_t reducers)
      : ShuffleDependency(id),
        parent_(std::move(parent)),
        reducers_(reducers),
        outputs_(parent_->num_partitions()) {}

  const std::shared_ptr<LineageNode>& parent() const override { return parent_; }
  std::size_t num_map_partitions() const override { return outputs_.size(); }
  std::size_t num_reduce_partitions() const override { return reducers_; }
  bool has_map_output(std::size_t m) const override {
    std::lock_guard lock(mutex_);
    return outputs_[m] != nullptr;
  }
  // Every map task's output; the scheduler ran the map stage before any reducer.
  std::vector<MapOutput> map_outputs() const {
    std::lock_guard lock(mutex_);
    for (std::size_t m = 0; m < outputs_.size(); ++m)
      if (!outputs_[m])
        throw std::logic_error("shuffle " + std::to_string(shuffle_id()) + ": map output " +
                               std::to_string(m) + " missing");
    return outputs_;
  }

 protected:
  void set_output(std::size_t m, std::vector<Bucket> buckets) {
    auto out = std::make_shared<const std::vector<Bucket>>(std::move(buckets));
    std::lock_guard lock(mutex_);
    outputs_[m] = std::move(out);
  }

 private:
  std::shared_ptr<LineageNode> parent_;
  std::size_t reducers_;
  mutable std::mutex mutex_;
  std::vector<MapOutput> outputs_;  // per map partition; guarded by mutex_
};

// Writer: std::vector<Bucket> operator()(RddNode<In>&, map partition, TaskContext&, reducers).
template <class In, class Bucket, class Writer>
class ShuffleDep final : public ShuffleOutput<Bucket> {
 public:
  ShuffleDep(std::shared_ptr<RddNode<In>> parent, std::size_t reducers, Writer writer)
      : ShuffleOutput<Bucket>(parent->context()->new_shuffle_id(), parent, reducers),
        typed_parent_(std::move(parent)),
        writer_(std::move(writer)) {}

  void run_map_task(std::size_t m, TaskContext& tc) override {
    this->set_output(m, writer_(*typed_parent_, m, tc, this->num_reduce_partitions()));
  }

 private:
  std::shared_ptr<RddNode<In>> typed_parent_;
  Writer writer_;
};

// Buckets are plain vectors of the parent's elements; part_for(m) gives the map task's
// element -> reducer function.
template <class T, class MakePart>
struct PartitionWriter {
  MakePart part_for;
  std::vector<std::vector<T>> operator()(RddNode<T>& parent, std::size_t m, TaskContext& tc,
                                         std::size_t reducers) const {
    std::vector<std::vector<T>> buckets(reducers);
    auto part = part_for(m);
    auto sink = callback_sink<T>([&](std::span<T> c) {
      for (auto& x : c) buckets[part(x)].push_back(std::move(x));
      tc.records_out += static_cast<std::int64_t>(c.size());
    });
    parent.compute_partition(m, tc, sink);
    return buckets;
  }
};

// Which reducer a key goes to, from its table hash (the default) or, for composite keys
// that must stay with part of themselves (event time's (key, pane)), from the key.
struct RouteByHash {
  template <class P, class K>
  std::size_t operator()(const P& partitioner, const K&, std::size_t hash) const {
    return partitioner.partition_of_hash(hash);
  }
};

// Map-side combine (Spark's combineByKey with mapSideCombine): one hash table per reducer.
// When the map task is done each table is compacted into a plain vector of (key, combiner)
// pairs: that is what stays in memory until the reducers run, at about half the bytes of
// a hash table, and the reducers read it with a sequential scan.
template <class K, class V, class C, class P, class Create, class MergeValue,
          class Route = RouteByHash>
struct CombineWriter {
  std::shared_ptr<const P> partitioner;
  Create create;
  MergeValue merge_value;
  Route route{};
  std::vector<std::vector<std::pair<K, C>>> operator()(RddNode<std::pair<K, V>>& parent,
                                                       std::size_t m, TaskContext& tc,
                                                       std::size_t reducers) const {
    using Table = FlatHashMap<K, C>;
    std::vector<Table> maps(reducers);
    // Sized for what the last map task of this kind held, split over the reducers.
    const std::size_t hint = SizeHint<CombineWriter>::get();
    for (auto& map : maps) map.reserve(hint / reducers);
    Create cr = create;
    MergeValue mv = merge_value;
    // Also on read-only chunks (a cached partition, a receiver block): then only the keys
    // new to a table and the values are copied, not every record.
    auto sink = callback_sink<std::pair<K, V>>([&]<class E>(std::span<E> c) {
      for (auto& kv : c) {
        const std::size_t h = Table::hash(kv.first);
        auto& map = maps[reducers == 1 ? 0 : route(*partitioner, kv.first, h)];
        // The key as is (copied only when new), the value as the functions take it.
        map.merge(h, std::move(kv.first), take_or_copy(kv.second), mv, cr);
      }
    });
    parent.compute_partition(m, tc, sink);
    std::size_t keys = 0;
    for (const auto& map : maps) keys += map.size();
    SizeHint<CombineWriter>::set(keys);
    std::vector<std::vector<std::pair<K, C>>> buckets(reducers);
    for (std::size_t r = 0; r < reducers; ++r) {
      Table map = std::move(maps[r]);  // freed as soon as its bucket is built
      buckets[r].reserve(map.size());
      map.consume([&](K&& k, C&& c) { buckets[r].emplace_back(std::move(k), std::move(c)); });
      tc.records_out += static_cast<std::int64_t>(buckets[r].size());
    }
    return buckets;
  }
};

// The reduce side: reduce(buckets, tc, out) turns bucket p of every map task into partition p.
template <class Bucket, class U, class Reduce>
class ShuffledNode final : public RddNode<U> {
 public:
  ShuffledNode(std::shared_ptr<ShuffleOutput<Bucket>> dep, Reduce reduce, std::string op,
               std::shared_ptr<const Partitioner> partitioner)
      : RddNode<U>(context_of(*dep), dep->num_reduce_partitions(),
                   {Dependency{Dependency::Kind::shuffle, nullptr, dep}}, "ShuffledRdd",
                   std::move(op)),
        reduce_(std::move(reduce)) {
    this->set_partitioner(std::move(partitioner));
  }

  void compute(std::size_t p, TaskContext& tc, ChunkSink<U>& out) override {
    auto dep = std::static_pointer_cast<ShuffleOutput<Bucket>>(this->shuffle_dependency(0));
    auto outputs = dep->map_outputs();
    std::vector<const Bucket*> buckets;
    buckets.reserve(outputs.size());
    for (const auto& o : outputs) {
      buckets.push_back(&(*o)[p]);
      tc.records_in += static_cast<std::int64_t>(std::size((*o)[p]));
    }
    Reduce reduce = reduce_;
    reduce(buckets, tc, out);
  }

 private:
  static std::shared_ptr<ContextState> context_of(const ShuffleOutput<Bucket>& dep) {
    return static_cast<const RddBase&>(*dep.parent()).context();
  }
  Reduce reduce_;
};

template <class U, class Bucket, class Reduce>
Rdd<U> make_shuffled(std::shared_ptr<ShuffleOutput<Bucket>> dep, Reduce reduce, std::string op,
                     std::shared_ptr<const Partitioner> partitioner) {
  return Rdd<U>(std::make_shared<ShuffledNode<Bucket, U, Reduce>>(
      std::move(dep), std::move(reduce), std::move(op), std::move(partitioner)));
}

// Reducer that concatenates plain buckets.
struct ConcatBuckets {
  template <class T>
  void operator()(const std::vector<const std::vector<T>*>& buckets, TaskContext&,
                  ChunkSink<T>& out) const {
    for (const auto* b : buckets) push_shared<T>(*b, out);
  }
};

// Emits a hash table's entries, moving keys out through node handles.
template <class K, class C>
void drain(HashMap<K, C>& table, ChunkSink<std::pair<K, C>>& out) {
  ChunkWriter<std::pair<K, C>> w(out);
  while (!table.empty()) {
    auto nh = table.extract(table.begin());
    w(std::move(nh.key()), std::move(nh.mapped()));
  }
  w.flush();
}

// Reducer that merges the map tasks' (key, combiner) buckets with merge_combiners and
// emits the merged pairs. Buckets are shared and immutable (a retried reducer reads them
// again), so entries are copied, never moved, out of them.
template <class MergeCombiners>
struct MergeBuckets {
  MergeCombiners merge;
  template <class K, class C>
  void operator()(const std::vector<const std::vector<std::pair<K, C>>*>& buckets, TaskContext&,
                  ChunkSink<std::pair<K, C>>& out) {
    using Table = FlatHashMap<K, C>;
    Table acc;
    std::size_t largest = 0;
    for (const auto* b : buckets) largest = std::max(largest, b->size());
    acc.reserve(largest);
    for (const auto* b : buckets)
      for (const auto& [k, c] : *b) {
        acc.merge(Table::hash(k), k, c, merge);
      }
    ChunkWriter<std::pair<K, C>> w(out);
    acc.consume([&](K&& k, C&& c) { w(std::move(k), std::move(c)); });
    w.flush();
  }
};

// The partitioner a shuffle uses when the caller did not give one (Spark's
// Partitioner.defaultPartitioner): an explicit count, else the largest existing
// partitioner among the inputs, else Config::default_partitions, else the largest input.
std::shared_ptr<const Partitioner> default_partitioner(std::int64_t n,
                                                       const std::vector<const RddBase*>& inputs);

}  // namespace rill::detail
