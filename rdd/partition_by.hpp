// partition_by(partitioner): moves every pair to the partition its key belongs to
// (Spark's partitionBy). Wide, unless the RDD already has an equal partitioner.
#pragma once
#include <rill/rdd/shuffle.hpp>

namespace rill::detail {

// Shuffles a pair RDD by a concrete partitioner P without combining.
template <class T, class P>
Rdd<T> shuffle_by(const Rdd<T>& in, std::shared_ptr<const P> part, std::string op) {
  auto make_part = [part](std::size_t) {
    return [p = part.get()](const T& kv) { return p->partition(kv.first); };
  };
  using Writer = PartitionWriter<T, decltype(make_part)>;
  auto dep = std::make_shared<ShuffleDep<T, std::vector<T>, Writer>>(
      in.node_ptr(), part->num_partitions(), Writer{make_part});
  return make_shuffled<T>(std::shared_ptr<ShuffleOutput<std::vector<T>>>(dep), ConcatBuckets{},
                          std::move(op), part);
}

}  // namespace rill::detail

namespace rill {

template <class T>
template <class P>
Rdd<T> Rdd<T>::partition_by(const P& partitioner) const {
  static_assert(detail::is_pair_v<T>, "partition_by needs an Rdd<std::pair<K, V>>");
  static_assert(std::is_base_of_v<Partitioner, P>, "partition_by takes a rill::Partitioner");
  auto part = std::make_shared<const P>(partitioner);
  if (detail::same_partitioner(this->partitioner(), part)) return *this;
  return detail::shuffle_by<T, P>(*this, part, "partition_by");
}

}  // namespace rill
