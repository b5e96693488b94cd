// sort_by_key and sort_by: a RangePartitioner from a sample of the keys, a shuffle into
// key ranges, then a sort of each partition (Spark's sortByKey). Wide; the sampling is
// an extra job, as in Spark.
#pragma once
#include <algorithm>
#include <rill/rdd/map.hpp>
#include <rill/rdd/range_partitioner.hpp>
#include <rill/rdd/shuffle.hpp>

namespace rill::detail {

struct SortBuckets {
  bool ascending;
  template <class T>
  void operator()(const std::vector<const std::vector<T>*>& buckets, TaskContext&,
                  ChunkSink<T>& out) const {
    std::vector<T> all;
    std::size_t total = 0;
    for (const auto* b : buckets) total += b->size();
    all.reserve(total);
    for (const auto* b : buckets) all.insert(all.end(), b->begin(), b->end());
    if (ascending)
      std::stable_sort(all.begin(), all.end(),
                       [](const T& a, const T& b) { return a.first < b.first; });
    else
      std::stable_sort(all.begin(), all.end(),
                       [](const T& a, const T& b) { return b.first < a.first; });
    push_owned(all, out);
  }
};

}  // namespace rill::detail

namespace rill {

template <class T>
Rdd<T> Rdd<T>::sort_by_key(bool ascending, std::int64_t n) const {
  static_assert(detail::is_pair_v<T>, "sort_by_key needs an Rdd<std::pair<K, V>>");
  using K = typename T::first_type;
  const std::int64_t parts =
      n != 0 ? n : static_cast<std::int64_t>(std::max<std::size_t>(num_partitions(), 1));
  auto part = std::make_shared<const RangePartitioner<K>>(parts, *this, ascending);
  auto make_part = [part](std::size_t) {
    return [p = part.get()](const T& kv) { return p->partition(kv.first); };
  };
  using Writer = detail::PartitionWriter<T, decltype(make_part)>;
  auto dep = std::make_shared<detail::ShuffleDep<T, std::vector<T>, Writer>>(
      node_ptr(), part->num_partitions(), Writer{make_part});
  return detail::make_shuffled<T>(std::shared_ptr<detail::ShuffleOutput<std::vector<T>>>(dep),
                                  detail::SortBuckets{ascending}, "sort_by_key", part);
}

template <class T>
template <class F>
Rdd<T> Rdd<T>::sort_by(F key_fn, bool ascending, std::int64_t n) const {
  return key_by(std::move(key_fn)).sort_by_key(ascending, n).values();
}

}  // namespace rill
