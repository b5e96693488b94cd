// map and its one-to-one relatives: key_by, keys, values, map_values (Spark's map family).
// Narrow; map_values keeps the parent's partitioner because keys do not change.
#pragma once
#include <rill/rdd/narrow_node.hpp>

namespace rill {

namespace detail {

// map's element function. It also takes a const element when f can read one, so that
// map runs straight on shared input (ChunkSink::push_const) without copying it.
template <class F, class U>
struct MapOp {
  F f;
  static constexpr bool reads_line_views = takes_string_view<F>();
  template <class X, class Emit>
  requires callable_with<F, X>
  void operator()(X& x, Emit& emit) {
    emit.emplace_result([&]() -> U { return call(f, x); });
  }
};

}  // namespace detail

template <class T>
template <class F>
auto Rdd<T>::map(F f) const {
  using U = detail::call_result_t<F, T>;
  return detail::make_narrow<U>(*this, detail::every_partition(detail::MapOp<F, U>{f}), "map");
}

template <class T>
template <class F>
auto Rdd<T>::key_by(F f) const {
  using K = std::decay_t<std::invoke_result_t<F&, const T&>>;
  return detail::make_narrow<std::pair<K, T>>(
      *this, detail::every_partition([f](T& x, auto& emit) mutable {
        K k = std::invoke(f, std::as_const(x));
        emit(std::move(k), std::move(x));
      }),
      "key_by");
}

template <class T>
template <class F>
auto Rdd<T>::map_values(F f) const {
  static_assert(detail::is_pair_v<T>, "map_values needs an Rdd<std::pair<K, V>>");
  using K = typename T::first_type;
  using W = detail::call_result_t<F, typename T::second_type>;
  return detail::make_narrow<std::pair<K, W>>(
      *this, detail::every_partition([f](T& kv, auto& emit) mutable {
        emit(std::move(kv.first), detail::call(f, kv.second));
      }),
      "map_values", true);
}

template <class T>
auto Rdd<T>::keys() const {
  static_assert(detail::is_pair_v<T>, "keys needs an Rdd<std::pair<K, V>>");
  return detail::make_narrow<typename T::first_type>(
      *this, detail::every_partition([](T& kv, auto& emit) { emit(std::move(kv.first)); }), "keys");
}

template <class T>
auto Rdd<T>::values() const {
  static_assert(detail::is_pair_v<T>, "values needs an Rdd<std::pair<K, V>>");
  return detail::make_narrow<typename T::second_type>(
      *this, detail::every_partition([](T& kv, auto& emit) { emit(std::move(kv.second)); }),
      "values");
}

}  // namespace rill
