// Type helpers shared by the operators: pair detection and how user functions are called
// (with an rvalue when they accept one, so that by-value parameters steal instead of copy).
#pragma once
#include <concepts>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

namespace rill::detail {

template <class T>
struct is_pair : std::false_type {};
template <class A, class B>
struct is_pair<std::pair<A, B>> : std::true_type {};
template <class T>
inline constexpr bool is_pair_v = is_pair<T>::value;

template <class T>
concept PairType = is_pair_v<T>;

// Calls f with the element, moved if f can take it as an rvalue.
template <class F, class T>
decltype(auto) call(F& f, T& x) {
  if constexpr (std::is_invocable_v<F&, T&&>)
    return std::invoke(f, std::move(x));
  else
    return std::invoke(f, x);
}

// What call(f, x) accepts: f takes x as an lvalue or as an rvalue. With X = const T, the
// element functions of map and flat_map read shared data in place.
template <class F, class X>
concept callable_with = std::is_invocable_v<F&, X&> || std::is_invocable_v<F&, X&&>;

template <class F, class T>
using call_result_t = std::decay_t<decltype(call(std::declval<F&>(), std::declval<T&>()))>;

// Partition counts come in signed so that a negative request is reported, not wrapped.
inline std::size_t checked_partitions(std::int64_t n, const char* op) {
  if (n <= 0)
    throw std::invalid_argument(std::string(op) + ": number of partitions must be > 0, got " +
                                std::to_string(n));
  return static_cast<std::size_t>(n);
}

}  // namespace rill::detail
