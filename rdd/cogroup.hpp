// cogroup: for each key, the values from both RDDs (Spark's CoGroupedRDD). Each input is
// shuffled by the chosen partitioner unless it is already partitioned by it, in which case
// its dependency is narrow: co-partitioned inputs join without a shuffle.
#pragma once
#include <rill/rdd/partition_by.hpp>
#include <rill/rdd/range_partitioner.hpp>

namespace rill::detail {

// read_keyed_partition's chunk callback: a read-only chunk reaches f in place only if f
// takes a const element (CallbackSink copies the chunk for a callback that does not).
template <class P, class F>
struct KeyedChunkReader {
  F& f;
  void operator()(std::span<P> c) {
    for (auto& kv : c) f(kv);
  }
  void operator()(std::span<const P> c) requires std::is_invocable_v<F&, const P&> {
    for (const auto& kv : c) f(kv);
  }
};

// Calls f(std::pair<K, X>&) for every element of partition p of a keyed input that is
// either shuffled (read from the map outputs' buckets for p) or co-partitioned (computed
// narrowly from the parent's partition p). An f that also takes a const pair reads shared
// data (shuffle buckets, cached partitions) in place and copies only what it keeps; any
// other f gets a copy of each element to move from.
template <class K, class X, class F>
void read_keyed_partition(const Dependency& dep, std::size_t p, TaskContext& tc, F&& f) {
  using P = std::pair<K, X>;
  constexpr bool reads_const = std::is_invocable_v<F&, const P&>;
  if (dep.kind == Dependency::Kind::shuffle) {
    auto shuffle = std::static_pointer_cast<ShuffleOutput<std::vector<P>>>(dep.shuffle);
    for (const auto& o : shuffle->map_outputs()) {
      tc.records_in += static_cast<std::int64_t>((*o)[p].size());
      if constexpr (reads_const)
        for (const P& kv : (*o)[p]) f(kv);
      else
        for (P kv : (*o)[p]) f(kv);
    }
  } else {
    KeyedChunkReader<P, F> reader{f};
    auto sink = callback_sink<P>(std::ref(reader));
    std::static_pointer_cast<RddNode<P>>(dep.parent)->compute_partition(p, tc, sink);
  }
}

template <class K, class V, class W>
class CoGroupNode final : public RddNode<std::pair<K, std::pair<std::vector<V>, std::vector<W>>>> {
 public:
  using Out = std::pair<K, std::pair<std::vector<V>, std::vector<W>>>;
  using Groups = std::pair<std::vector<V>, std::vector<W>>;

  CoGroupNode(std::shared_ptr<ContextState> ctx, std::shared_ptr<const Partitioner> part,
              std::vector<Dependency> deps)
      : RddNode<Out>(std::move(ctx), part->num_partitions(), std::move(deps), "CoGroupedRdd",
                     "cogroup") {
    this->set_partitioner(std::move(part));
  }

  void compute(std::size_t p, TaskContext& tc, ChunkSink<Out>& out) override {
    HashMap<K, Groups> table;
    auto deps = this->dependencies();
    read_keyed_partition<K, V>(deps[0], p, tc, [&](std::pair<K, V>& kv) {
      table[kv.first].first.push_back(std::move(kv.second));
    });
    read_keyed_partition<K, W>(deps[1], p, tc, [&](std::pair<K, W>& kw) {
      table[kw.first].second.push_back(std::move(kw.second));
    });
    drain(table, out);
  }
};

// The dependency of one cogroup input: narrow if already partitioned by `part`.
template <class K, class X>
Dependency cogroup_dependency(const Rdd<std::pair<K, X>>& in,
                              const std::shared_ptr<const Partitioner>& part) {
  if (same_partitioner(in.partitioner(), part))
    return Dependency{Dependency::Kind::one_to_one, in.node_ptr(), nullptr};
  return with_typed_partitioner<K>(part, [&](auto typed) {
    using P = typename decltype(typed)::element_type;
    auto shuffled = shuffle_by<std::pair<K, X>, P>(in, typed, "cogroup");
    // Borrow the shuffle dependency of the shuffled RDD; its reduce side is unused.
    return shuffled.node().dependencies().front();
  });
}

}  // namespace rill::detail

namespace rill {

template <class T>
template <class W, class U>
auto Rdd<T>::cogroup(const Rdd<std::pair<typename U::first_type, W>>& other, std::int64_t n) const {
  static_assert(detail::is_pair_v<T>, "cogroup needs an Rdd<std::pair<K, V>>");
  using K = typename T::first_type;
  using V = typename T::second_type;
  auto part = detail::default_partitioner(n, {&node(), &other.node()});
  std::vector<detail::Dependency> deps{detail::cogroup_dependency(*this, part),
                                       detail::cogroup_dependency(other, part)};
  using Node = detail::CoGroupNode<K, V, W>;
  return Rdd<typename Node::Out>(std::make_shared<Node>(node().context(), part, std::move(deps)));
}

}  // namespace rill
