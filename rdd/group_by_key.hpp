// group_by_key: all values of a key in one std::vector (Spark's groupByKey). Wide. Like
// Spark it does no map-side combine, since grouping does not shrink the data.
#pragma once
#include <rill/rdd/combine_by_key.hpp>

namespace rill {

template <class T>
auto Rdd<T>::group_by_key(std::int64_t n) const {
  static_assert(detail::is_pair_v<T>, "group_by_key needs an Rdd<std::pair<K, V>>");
  using K = typename T::first_type;
  using V = typename T::second_type;
  using G = std::vector<V>;
  auto part = detail::default_partitioner(n, {&node()});
  auto group = [](std::size_t, std::vector<T>&& kvs) {
    detail::HashMap<K, G> table;
    for (auto& kv : kvs) table[kv.first].push_back(std::move(kv.second));
    std::vector<std::pair<K, G>> out;
    out.reserve(table.size());
    while (!table.empty()) {
      auto nh = table.extract(table.begin());
      out.emplace_back(std::move(nh.key()), std::move(nh.mapped()));
    }
    return out;
  };
  if (detail::same_partitioner(partitioner(), part))
    return detail::make_map_partitions(*this, group, "group_by_key", true);
  return detail::make_map_partitions(
      partition_by(*std::dynamic_pointer_cast<const HashPartitioner>(part)), group, "group_by_key",
      true);
}

}  // namespace rill
