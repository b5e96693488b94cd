// Emitter<U>: what the emitter form of flat_map hands the user's function, f(x, emit):
// emit(args...) constructs one output in place in the chunk the next operator reads (no
// range or vector per input element, no virtual call per output; one per chunk). Spark
// has no counterpart (its flatMap returns an iterator); Thrill's emitters are the model.
#pragma once
#include <rill/rdd/chunk_sink.hpp>
#include <rill/rdd/function_args.hpp>
#include <utility>

namespace rill {

template <class U>
using Emitter = detail::ChunkWriter<U>;

namespace detail {

template <class F, class X, class Emit>
concept emits_with = std::is_invocable_v<F&, X&, Emit&> || std::is_invocable_v<F&, X&&, Emit&>;

template <class E>
struct emitter_of : std::false_type {};
template <class U>
struct emitter_of<ChunkWriter<U>&> : std::true_type {
  using type = U;
};

// f(x, rill::Emitter<U>& emit) with concrete parameter types: U is deduced.
template <class F>
constexpr bool emitter_value_known() {
  if constexpr (arg_known<F, 1>())
    return emitter_of<arg_t<F, 1>>::value;
  else
    return false;
}
template <class F>
using emitter_value_t = typename emitter_of<arg_t<F, 1>>::type;

// flat_map_values' emitter: every emitted value is paired with the element's key.
template <class K, class W, class Out>
struct KeyedEmitter {
  const K& key;
  Out& out;
  template <class... A>
  void operator()(A&&... a) {
    if constexpr (sizeof...(A) == 1 && (std::is_same_v<std::remove_cvref_t<A>, W> && ...))
      out(key, std::forward<A>(a)...);
    else
      out(key, W(std::forward<A>(a)...));
  }
};

}  // namespace detail
}  // namespace rill
