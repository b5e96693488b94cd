// Driver-side map actions: count_by_value, count_by_key, collect_as_map, lookup
// (Spark's countByValue, countByKey, collectAsMap, lookup). Results are std::map.
// lookup computes only the key's partition when the RDD has a partitioner.
#pragma once
#include <map>
#include <rill/rdd/actions.hpp>
#include <rill/rdd/combine_by_key.hpp>
#include <rill/rdd/map.hpp>

namespace rill {

template <class T>
std::map<T, std::int64_t> Rdd<T>::count_by_value() const {
  auto counted = map([](const T& x) { return std::pair<T, std::int64_t>(x, 1); })
                     .reduce_by_key(std::plus<std::int64_t>{})
                     .collect();
  return std::map<T, std::int64_t>(counted.begin(), counted.end());
}

template <class T>
auto Rdd<T>::count_by_key() const {
  static_assert(detail::is_pair_v<T>, "count_by_key needs an Rdd<std::pair<K, V>>");
  return keys().count_by_value();
}

template <class T>
auto Rdd<T>::collect_as_map() const {
  static_assert(detail::is_pair_v<T>, "collect_as_map needs an Rdd<std::pair<K, V>>");
  std::map<typename T::first_type, typename T::second_type> m;
  for (auto& kv : collect()) m.insert_or_assign(std::move(kv.first), std::move(kv.second));
  return m;
}

template <class T>
template <class U>
auto Rdd<T>::lookup(const typename U::first_type& key) const {
  static_assert(detail::is_pair_v<T>, "lookup needs an Rdd<std::pair<K, V>>");
  using K = typename T::first_type;
  using V = typename T::second_type;
  std::vector<std::size_t> parts;
  if (auto p = partitioner()) {
    parts.push_back(
        detail::with_typed_partitioner<K>(p, [&](auto typed) { return typed->partition(key); }));
  } else {
    for (std::size_t i = 0; i < num_partitions(); ++i) parts.push_back(i);
  }
  std::vector<std::vector<V>> found(num_partitions());
  if (!parts.empty())
    run_job(
        parts,
        [&](std::size_t p, TaskContext& tc) {
          std::vector<V> out;
          auto sink = detail::callback_sink<T>([&](std::span<T> c) {
            for (auto& kv : c)
              if (kv.first == key) out.push_back(std::move(kv.second));
          });
          node_->compute_partition(p, tc, sink);
          found[p] = std::move(out);
        },
        "lookup");
  std::vector<V> all;
  for (auto& f : found)
    all.insert(all.end(), std::make_move_iterator(f.begin()), std::make_move_iterator(f.end()));
  return all;
}

}  // namespace rill
