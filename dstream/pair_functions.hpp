// Per-batch pair operations on DStream<std::pair<K, V>> (Spark's PairDStreamFunctions):
// reduce_by_key, group_by_key, cogroup and the joins. Each batch applies the RDD
// operation to the batch's RDD (joins: to both streams' RDDs of the same batch); wide.
#pragma once
#include <rill/dstream/transform.hpp>
#include <rill/rdd/cogroup.hpp>
#include <rill/rdd/combine_by_key.hpp>
#include <rill/rdd/group_by_key.hpp>
#include <rill/rdd/join.hpp>

namespace rill {

template <class T>
template <class F>
DStream<T> DStream<T>::reduce_by_key(F f, std::int64_t n) const {
  static_assert(detail::is_pair_v<T>, "reduce_by_key needs a DStream<std::pair<K, V>>");
  return detail::derive<T>(*this, "reduce_by_key",
                           [f, n](const Rdd<T>& r, Time) { return r.reduce_by_key(f, n); });
}

template <class T>
auto DStream<T>::group_by_key(std::int64_t n) const {
  static_assert(detail::is_pair_v<T>, "group_by_key needs a DStream<std::pair<K, V>>");
  using U = typename detail::rdd_element<decltype(std::declval<Rdd<T>>().group_by_key(n))>::type;
  return detail::derive<U>(*this, "group_by_key",
                           [n](const Rdd<T>& r, Time) { return r.group_by_key(n); });
}

// The five binary pair operations differ only in the RDD method they call.
#define RILL_DSTREAM_PAIR_BINARY(name)                                              \
  template <class T>                                                                \
  template <class W, class U>                                                       \
  auto DStream<T>::name(const DStream<std::pair<typename U::first_type, W>>& other, \
                        std::int64_t n) const {                                     \
    using Other = std::pair<typename U::first_type, W>;                             \
    using R = typename detail::rdd_element<decltype(std::declval<Rdd<T>>().name(    \
        std::declval<Rdd<Other>>(), n))>::type;                                     \
    return detail::derive2<R>(                                                      \
        *this, other, #name,                                                        \
        [n](const Rdd<T>& a, const Rdd<Other>& b, Time) { return a.name(b, n); });  \
  }

RILL_DSTREAM_PAIR_BINARY(join)
RILL_DSTREAM_PAIR_BINARY(left_outer_join)
RILL_DSTREAM_PAIR_BINARY(right_outer_join)
RILL_DSTREAM_PAIR_BINARY(full_outer_join)
RILL_DSTREAM_PAIR_BINARY(cogroup)
#undef RILL_DSTREAM_PAIR_BINARY

}  // namespace rill
