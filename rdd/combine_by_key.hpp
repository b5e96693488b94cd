// combine_by_key and the reductions built on it: reduce_by_key, fold_by_key,
// aggregate_by_key (Spark's combineByKey family). Wide with map-side combine: each map
// task pre-aggregates into one hash table per reducer. Narrow (no shuffle) when the
// input is already partitioned by the target partitioner.
#pragma once
#include <rill/rdd/map_partitions.hpp>
#include <rill/rdd/range_partitioner.hpp>
#include <rill/rdd/shuffle.hpp>

namespace rill {
namespace detail {

template <class K, class V, class C, class Create, class MergeValue, class MergeCombiners>
Rdd<std::pair<K, C>> combine(const Rdd<std::pair<K, V>>& in, Create create, MergeValue merge_value,
                             MergeCombiners merge_combiners, std::int64_t n, std::string op) {
  auto part = default_partitioner(n, {&in.node()});
  if (same_partitioner(in.partitioner(), part)) {
    // Already co-located: aggregate each partition on its own.
    auto node = make_map_partitions(
        in,
        [create, merge_value](std::size_t, std::vector<std::pair<K, V>>&& kvs) mutable {
          FlatHashMap<K, C> table;
          for (auto& kv : kvs) {
            table.merge(FlatHashMap<K, C>::hash(kv.first), std::move(kv.first),
                        std::move(kv.second), merge_value, create);
          }
          std::vector<std::pair<K, C>> out;
          out.reserve(table.size());
          table.consume([&](K&& k, C&& c) { out.emplace_back(std::move(k), std::move(c)); });
          return out;
        },
        op, true);
    return node;
  }
  auto hash = std::dynamic_pointer_cast<const HashPartitioner>(part);
  using Writer = CombineWriter<K, V, C, HashPartitioner, Create, MergeValue>;
  using Bucket = std::vector<std::pair<K, C>>;
  auto dep = std::make_shared<ShuffleDep<std::pair<K, V>, Bucket, Writer>>(
      in.node_ptr(), part->num_partitions(), Writer{hash, create, merge_value});
  return make_shuffled<std::pair<K, C>>(std::shared_ptr<ShuffleOutput<Bucket>>(dep),
                                        MergeBuckets<MergeCombiners>{merge_combiners}, op, part);
}

}  // namespace detail

template <class T>
template <class Create, class MergeValue, class MergeCombiners>
auto Rdd<T>::combine_by_key(Create create, MergeValue merge_value, MergeCombiners merge_combiners,
                            std::int64_t n) const {
  static_assert(detail::is_pair_v<T>, "combine_by_key needs an Rdd<std::pair<K, V>>");
  using K = typename T::first_type;
  using V = typename T::second_type;
  using C = std::decay_t<std::invoke_result_t<Create&, V&&>>;
  return detail::combine<K, V, C>(*this, std::move(create), std::move(merge_value),
                                  std::move(merge_combiners), n, "combine_by_key");
}

template <class T>
template <class F>
Rdd<T> Rdd<T>::reduce_by_key(F f, std::int64_t n) const {
  static_assert(detail::is_pair_v<T>, "reduce_by_key needs an Rdd<std::pair<K, V>>");
  using K = typename T::first_type;
  using V = typename T::second_type;
  return detail::combine<K, V, V>(*this, std::identity{}, f, f, n, "reduce_by_key");
}

template <class T>
template <class V, class F>
Rdd<T> Rdd<T>::fold_by_key(V zero, F f, std::int64_t n) const {
  static_assert(detail::is_pair_v<T>, "fold_by_key needs an Rdd<std::pair<K, V>>");
  using K = typename T::first_type;
  using W = typename T::second_type;
  W z(std::move(zero));
  return detail::combine<K, W, W>(
      *this, [z, f](W&& v) mutable { return static_cast<W>(std::invoke(f, W(z), std::move(v))); },
      f, f, n, "fold_by_key");
}

template <class T>
template <class U, class Seq, class Comb>
auto Rdd<T>::aggregate_by_key(U zero, Seq seq, Comb comb, std::int64_t n) const {
  static_assert(detail::is_pair_v<T>, "aggregate_by_key needs an Rdd<std::pair<K, V>>");
  using K = typename T::first_type;
  using V = typename T::second_type;
  return detail::combine<K, V, U>(
      *this,
      [zero, seq](V&& v) mutable {
        return static_cast<U>(std::invoke(seq, U(zero), std::move(v)));
      },
      seq, comb, n, "aggregate_by_key");
}

}  // namespace rill
