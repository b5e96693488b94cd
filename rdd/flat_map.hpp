// flat_map and flat_map_values: zero or more outputs per element (any range f returns).
// Narrow: outputs go straight into the next operator's chunk.
#pragma once
#include <ranges>
#include <rill/rdd/narrow_node.hpp>

namespace rill {
namespace detail {

template <class F, class T>
struct FlatMapOutput {
  using range = call_result_t<F, T>;
  using type = std::decay_t<std::ranges::range_value_t<range>>;
};

// Runs f on x and hands every output to sink(u).
template <class F, class T, class Sink>
void flat_apply(F& f, T& x, Sink&& sink) {
  decltype(auto) out = call(f, x);
  if constexpr (std::is_lvalue_reference_v<decltype(out)>)
    for (auto&& u : out) sink(u);  // f returned a reference to something it keeps
  else
    for (auto&& u : out) sink(std::move(u));
}

// flat_map's element function; like MapOp it also takes a const element when f can read
// one, so that splitting the lines of a receiver block copies no line.
template <class F>
struct FlatMapOp {
  F f;
  template <class X, class Emit>
  requires callable_with<F, X>
  void operator()(X& x, Emit& emit) { flat_apply(f, x, emit); }
};

}  // namespace detail

template <class T>
template <class F>
auto Rdd<T>::flat_map(F f) const {
  using U = typename detail::FlatMapOutput<F, T>::type;
  return detail::make_narrow<U>(*this, detail::every_partition(detail::FlatMapOp<F>{f}),
                                "flat_map");
}

template <class T>
template <class F>
auto Rdd<T>::flat_map_values(F f) const {
  static_assert(detail::is_pair_v<T>, "flat_map_values needs an Rdd<std::pair<K, V>>");
  using K = typename T::first_type;
  using W = typename detail::FlatMapOutput<F, typename T::second_type>::type;
  return detail::make_narrow<std::pair<K, W>>(
      *this, detail::every_partition([f](T& kv, auto& emit) mutable {
        detail::flat_apply(f, kv.second,
                           [&](auto&& w) { emit(kv.first, std::forward<decltype(w)>(w)); });
      }),
      "flat_map_values", true);
}

}  // namespace rill
