// count, count_by_value and reduce on a DStream (Spark's DStream.count / countByValue /
// reduce). count and reduce pre-aggregate each partition and merge the partials in one
// narrow coalesce, so they add no shuffle; count_by_value is a reduce_by_key (wide).
#pragma once
#include <rill/dstream/transform.hpp>
#include <rill/rdd/coalesce.hpp>
#include <rill/rdd/combine_by_key.hpp>
#include <rill/rdd/map.hpp>
#include <rill/rdd/map_partitions.hpp>
#include <rill/rdd/union.hpp>

namespace rill {

namespace detail {
// One element, the sum of the partial counts: narrow (one coalesce). A zero partition
// makes an empty RDD sum to 0 instead of producing nothing.
inline Rdd<std::int64_t> total_count(const Rdd<std::int64_t>& partials) {
  auto zero = partials.context().parallelize(std::vector<std::int64_t>{0}, 1);
  return partials.union_with(zero).coalesce(1).map_partitions(
      [](const std::vector<std::int64_t>& parts) {
        std::int64_t n = 0;
        for (auto c : parts) n += c;
        return std::vector<std::int64_t>{n};
      });
}
}  // namespace detail

template <class T>
DStream<std::int64_t> DStream<T>::count() const {
  return detail::derive<std::int64_t>(*this, "count", [](const Rdd<T>& r, Time) {
    return detail::total_count(r.map_partitions([](const std::vector<T>& part) {
      return std::vector<std::int64_t>{static_cast<std::int64_t>(part.size())};
    }));
  });
}

template <class T>
DStream<std::pair<T, std::int64_t>> DStream<T>::count_by_value(std::int64_t n) const {
  return detail::derive<std::pair<T, std::int64_t>>(
      *this, "count_by_value", [n](const Rdd<T>& r, Time) {
        return r.map([](const T& x) { return std::pair<T, std::int64_t>(x, 1); })
            .reduce_by_key(std::plus<std::int64_t>{}, n);
      });
}

namespace detail {
// Folds a partition with f into zero or one element.
template <class T, class F>
auto reduce_partition(F f) {
  return [f](std::vector<T>&& part) mutable {
    std::vector<T> out;
    for (auto& x : part) {
      if (out.empty())
        out.push_back(std::move(x));
      else
        out.front() = static_cast<T>(std::invoke(f, std::move(out.front()), std::move(x)));
    }
    return out;
  };
}
}  // namespace detail

template <class T>
template <class F>
DStream<T> DStream<T>::reduce(F f) const {
  return detail::derive<T>(*this, "reduce", [f](const Rdd<T>& r, Time) {
    return r.map_partitions(detail::reduce_partition<T>(f))
        .coalesce(1)
        .map_partitions(detail::reduce_partition<T>(f));
  });
}

}  // namespace rill
