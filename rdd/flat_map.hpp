// flat_map and flat_map_values: zero or more outputs per element. Two forms: f(x) returns
// any range, or f(x, emit) calls emit(args...) per output (the emitter form: no range per
// element; emit builds the output in the next operator's chunk). Narrow: no intermediate
// partition. A function taking std::string_view reads text_file lines in place.
#pragma once
#include <ranges>
#include <rill/rdd/emitter.hpp>
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
  static constexpr bool reads_line_views = takes_string_view<F>();
  template <class X, class Emit>
  requires callable_with<F, X>
  void operator()(X& x, Emit& emit) { flat_apply(f, x, emit); }
};

// The emitter form's element function: f(x, emit), x moved when f takes an rvalue.
template <class F>
struct EmitOp {
  F f;
  static constexpr bool reads_line_views = takes_string_view<F>();
  template <class X, class Emit>
  requires emits_with<F, X, Emit>
  void operator()(X& x, Emit& emit) {
    if constexpr (std::is_invocable_v<F&, X&&, Emit&>)
      std::invoke(f, std::move(x), emit);
    else
      std::invoke(f, x, emit);
  }
};

}  // namespace detail

template <class T>
template <class F>
auto Rdd<T>::flat_map(F f) const {
  if constexpr (detail::emitter_value_known<F>()) {
    return flat_map<detail::emitter_value_t<F>>(std::move(f));
  } else {
    using U = typename detail::FlatMapOutput<F, T>::type;
    return detail::make_narrow<U>(*this, detail::every_partition(detail::FlatMapOp<F>{f}),
                                  "flat_map");
  }
}

template <class T>
template <class U, class F>
auto Rdd<T>::flat_map(F f) const {
  static_assert(detail::emits_with<F, const T, detail::ChunkWriter<U>> ||
                    detail::emits_with<F, T, detail::ChunkWriter<U>>,
                "flat_map<U>(f) needs f(const T&, Emit& emit) (or f(T, emit)) that calls "
                "emit(args...) with what constructs a U");
  return detail::make_narrow<U>(*this, detail::every_partition(detail::EmitOp<F>{f}), "flat_map");
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

template <class T>
template <class W, class F>
auto Rdd<T>::flat_map_values(F f) const {
  static_assert(detail::is_pair_v<T>, "flat_map_values needs an Rdd<std::pair<K, V>>");
  using K = typename T::first_type;
  using V = typename T::second_type;
  return detail::make_narrow<std::pair<K, W>>(
      *this, detail::every_partition([f](auto& kv, auto& emit) mutable {
        // Each value f emits becomes (key, value): the key is copied per output.
        detail::KeyedEmitter<K, W, std::remove_reference_t<decltype(emit)>> keyed{kv.first, emit};
        if constexpr (std::is_invocable_v<F&, V&&, decltype(keyed)&> &&
                      !std::is_const_v<std::remove_reference_t<decltype(kv)>>)
          std::invoke(f, std::move(kv.second), keyed);
        else
          std::invoke(f, std::as_const(kv.second), keyed);
      }),
      "flat_map_values", true);
}

}  // namespace rill
