// repartition(n): spreads elements evenly over n partitions (Spark's repartition). Wide:
// each map task deals its elements round-robin, starting at a position drawn from its
// partition index so that small partitions do not all fill reducer 0.
#pragma once
#include <rill/rdd/shuffle.hpp>

namespace rill {

template <class T>
Rdd<T> Rdd<T>::repartition(std::int64_t n) const {
  const auto parts = detail::checked_partitions(n, "repartition");
  auto make_part = [parts](std::size_t m) {
    return [parts, next = detail::mix_hash(m)](const T&) mutable { return next++ % parts; };
  };
  using Writer = detail::PartitionWriter<T, decltype(make_part)>;
  auto dep = std::make_shared<detail::ShuffleDep<T, std::vector<T>, Writer>>(node_ptr(), parts,
                                                                             Writer{make_part});
  return detail::make_shuffled<T>(std::shared_ptr<detail::ShuffleOutput<std::vector<T>>>(dep),
                                  detail::ConcatBuckets{}, "repartition", nullptr);
}

}  // namespace rill
