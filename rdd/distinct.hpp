// distinct, intersection, subtract: set operations by key (Spark's distinct,
// intersection, subtract). All wide: each is a reduction or a cogroup over (x, unit).
#pragma once
#include <rill/rdd/cogroup.hpp>
#include <rill/rdd/combine_by_key.hpp>
#include <rill/rdd/map.hpp>
#include <rill/rdd/narrow_node.hpp>

namespace rill {
namespace detail {
struct Unit {
  bool operator==(const Unit&) const = default;
};
inline constexpr auto keep_first = [](Unit a, Unit) { return a; };

template <class T>
Rdd<std::pair<T, Unit>> with_unit(const Rdd<T>& in) {
  return make_narrow<std::pair<T, Unit>>(
      in, every_partition([](T& x, auto& emit) { emit(std::move(x), Unit{}); }), "map");
}
}  // namespace detail

template <class T>
Rdd<T> Rdd<T>::distinct(std::int64_t n) const {
  return detail::with_unit(*this).reduce_by_key(detail::keep_first, n).keys();
}

template <class T>
Rdd<T> Rdd<T>::distinct() const {
  return distinct(0);
}

template <class T>
Rdd<T> Rdd<T>::intersection(const Rdd<T>& other) const {
  using G = std::pair<T, std::pair<std::vector<detail::Unit>, std::vector<detail::Unit>>>;
  return detail::make_narrow<T>(detail::with_unit(*this).cogroup(detail::with_unit(other)),
                                detail::every_partition([](G& g, auto& emit) {
                                  if (!g.second.first.empty() && !g.second.second.empty())
                                    emit(std::move(g.first));
                                }),
                                "intersection");
}

template <class T>
Rdd<T> Rdd<T>::subtract(const Rdd<T>& other) const {
  using G = std::pair<T, std::pair<std::vector<detail::Unit>, std::vector<detail::Unit>>>;
  return detail::make_narrow<T>(detail::with_unit(*this).cogroup(detail::with_unit(other)),
                                detail::every_partition([](G& g, auto& emit) {
                                  if (g.second.second.empty())
                                    for (std::size_t i = 0; i < g.second.first.size(); ++i)
                                      emit(g.first);
                                }),
                                "subtract");
}

}  // namespace rill
