// Checkpointable<T>: whether rill::Serializer can write T, so that a stream of T can be
// checkpointed. Built-in serializers are partial (a pair serializes when both halves do),
// so this walks the same structure instead of probing Serializer<T> directly.
#pragma once
#include <optional>
#include <rill/rdd/serializer.hpp>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace rill::detail {

template <class T, class = void>
struct checkpointable : std::false_type {};
// A serializer the user specialised (complete type with write and read).
template <class T>
struct checkpointable<T,
                      std::void_t<decltype(&Serializer<T>::write), decltype(&Serializer<T>::read)>>
    : std::true_type {};

template <class T>
inline constexpr bool checkpointable_v = checkpointable<T>::value;

template <class A, class B>
struct checkpointable<std::pair<A, B>>
    : std::bool_constant<checkpointable_v<A> && checkpointable_v<B>> {};
template <class... Ts>
struct checkpointable<std::tuple<Ts...>> : std::bool_constant<(checkpointable_v<Ts> && ...)> {};
template <class T>
struct checkpointable<std::vector<T>> : std::bool_constant<checkpointable_v<T>> {};
template <class T>
struct checkpointable<std::optional<T>> : std::bool_constant<checkpointable_v<T>> {};

}  // namespace rill::detail
