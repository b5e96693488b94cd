// The element-wise DStream operations: map, flat_map, filter, map_partitions,
// repartition and union_with (Spark's MappedDStream family). Each batch applies the RDD
// operation to that batch's RDD: narrow, except repartition (a shuffle per batch).
#pragma once
#include <rill/dstream/transform.hpp>
#include <rill/rdd/filter.hpp>
#include <rill/rdd/flat_map.hpp>
#include <rill/rdd/map.hpp>
#include <rill/rdd/map_partitions.hpp>
#include <rill/rdd/repartition.hpp>
#include <rill/rdd/union.hpp>

namespace rill {

template <class T>
template <class F>
auto DStream<T>::map(F f) const {
  using U = typename detail::rdd_element<decltype(std::declval<Rdd<T>>().map(f))>::type;
  return detail::derive<U>(*this, "map", [f](const Rdd<T>& r, Time) { return r.map(f); });
}

template <class T>
template <class F>
auto DStream<T>::flat_map(F f) const {
  using U = typename detail::rdd_element<decltype(std::declval<Rdd<T>>().flat_map(f))>::type;
  return detail::derive<U>(*this, "flat_map", [f](const Rdd<T>& r, Time) { return r.flat_map(f); });
}

template <class T>
template <class F>
DStream<T> DStream<T>::filter(F f) const {
  return detail::derive<T>(*this, "filter", [f](const Rdd<T>& r, Time) { return r.filter(f); });
}

template <class T>
template <class F>
auto DStream<T>::map_partitions(F f, bool preserves_partitioning) const {
  using Probe = decltype(std::declval<Rdd<T>>().map_partitions(f, preserves_partitioning));
  using U = typename detail::rdd_element<Probe>::type;
  return detail::derive<U>(*this, "map_partitions",
                           [f, preserves_partitioning](const Rdd<T>& r, Time) {
                             return r.map_partitions(f, preserves_partitioning);
                           });
}

template <class T>
DStream<T> DStream<T>::repartition(std::int64_t n) const {
  detail::checked_partitions(n, "repartition");
  return detail::derive<T>(*this, "repartition",
                           [n](const Rdd<T>& r, Time) { return r.repartition(n); });
}

template <class T>
DStream<T> DStream<T>::union_with(const DStream<T>& other) const {
  return detail::derive2<T>(*this, other, "union",
                            [](const Rdd<T>& a, const Rdd<T>& b, Time) { return a.union_with(b); });
}

}  // namespace rill
