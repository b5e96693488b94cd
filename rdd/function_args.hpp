// What a user function's declared parameters are, for functions that are not generic
// (a lambda with concrete parameter types, a function pointer): lets flat_map deduce
// the output type from an `Emitter<U>&` parameter, and text_file lines reach a function
// that takes std::string_view without being copied into a std::string first.
#pragma once
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

namespace rill::detail {

template <class F, class = void>
struct function_args {
  static constexpr bool known = false;
  using type = std::tuple<>;
};
template <class R, class... A>
struct function_args<R (*)(A...), void> {
  static constexpr bool known = true;
  using type = std::tuple<A...>;
};
template <class R, class C, class... A>
struct member_args {
  static constexpr bool known = true;
  using type = std::tuple<A...>;
};
template <class M>
struct call_operator_args;
template <class R, class C, class... A>
struct call_operator_args<R (C::*)(A...)> : member_args<R, C, A...> {};
template <class R, class C, class... A>
struct call_operator_args<R (C::*)(A...) const> : member_args<R, C, A...> {};
template <class R, class C, class... A>
struct call_operator_args<R (C::*)(A...) noexcept> : member_args<R, C, A...> {};
template <class R, class C, class... A>
struct call_operator_args<R (C::*)(A...) const noexcept> : member_args<R, C, A...> {};
// A class with exactly one, non-template operator().
template <class F>
struct function_args<F, std::void_t<decltype(&F::operator())>>
    : call_operator_args<decltype(&F::operator())> {};

template <class F, std::size_t I>
constexpr bool arg_known() {
  using Args = function_args<std::decay_t<F>>;
  if constexpr (!Args::known)
    return false;
  else
    return I < std::tuple_size_v<typename Args::type>;
}

template <class F, std::size_t I>
using arg_t = std::tuple_element_t<I, typename function_args<std::decay_t<F>>::type>;

// f's first parameter is declared std::string_view (by value or reference): it can read a
// line in place.
template <class F>
constexpr bool takes_string_view() {
  if constexpr (arg_known<F, 0>())
    return std::is_same_v<std::remove_cvref_t<arg_t<F, 0>>, std::string_view>;
  else
    return false;
}

// A view type as an RDD element would dangle once the chunk or buffer it points into is
// gone; elements own their data.
template <class T>
inline constexpr bool is_view_v = std::is_same_v<std::remove_cv_t<T>, std::string_view>;
template <class A, class B>
inline constexpr bool is_view_v<std::pair<A, B>> = is_view_v<A> || is_view_v<B>;

}  // namespace rill::detail
