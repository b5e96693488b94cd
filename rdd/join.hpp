// join, left_outer_join, right_outer_join, full_outer_join: cogroup followed by a narrow
// cross product of each key's two groups (what Spark does). A missing side is
// std::nullopt. The result keeps the cogroup's partitioner.
#pragma once
#include <optional>
#include <rill/rdd/cogroup.hpp>
#include <rill/rdd/narrow_node.hpp>

namespace rill::detail {

template <class Out, class G, class Emit>
auto join_groups(const G& grouped, Emit emit_pairs, std::string op) {
  using In = typename G::value_type;
  return make_narrow<Out>(grouped, every_partition([emit_pairs](In& kg, auto& emit) mutable {
                            emit_pairs(kg.first, kg.second.first, kg.second.second, emit);
                          }),
                          std::move(op), true);
}

}  // namespace rill::detail

namespace rill {

template <class T>
template <class W, class U>
auto Rdd<T>::join(const Rdd<std::pair<typename U::first_type, W>>& other, std::int64_t n) const {
  using K = typename T::first_type;
  using V = typename T::second_type;
  return detail::join_groups<std::pair<K, std::pair<V, W>>>(
      cogroup(other, n),
      [](const K& k, const std::vector<V>& vs, const std::vector<W>& ws, auto& emit) {
        for (const auto& v : vs)
          for (const auto& w : ws) emit(k, std::pair<V, W>(v, w));
      },
      "join");
}

template <class T>
template <class W, class U>
auto Rdd<T>::left_outer_join(const Rdd<std::pair<typename U::first_type, W>>& other,
                             std::int64_t n) const {
  using K = typename T::first_type;
  using V = typename T::second_type;
  return detail::join_groups<std::pair<K, std::pair<V, std::optional<W>>>>(
      cogroup(other, n),
      [](const K& k, const std::vector<V>& vs, const std::vector<W>& ws, auto& emit) {
        for (const auto& v : vs) {
          if (ws.empty()) emit(k, std::pair<V, std::optional<W>>(v, std::nullopt));
          for (const auto& w : ws) emit(k, std::pair<V, std::optional<W>>(v, w));
        }
      },
      "left_outer_join");
}

template <class T>
template <class W, class U>
auto Rdd<T>::right_outer_join(const Rdd<std::pair<typename U::first_type, W>>& other,
                              std::int64_t n) const {
  using K = typename T::first_type;
  using V = typename T::second_type;
  return detail::join_groups<std::pair<K, std::pair<std::optional<V>, W>>>(
      cogroup(other, n),
      [](const K& k, const std::vector<V>& vs, const std::vector<W>& ws, auto& emit) {
        for (const auto& w : ws) {
          if (vs.empty()) emit(k, std::pair<std::optional<V>, W>(std::nullopt, w));
          for (const auto& v : vs) emit(k, std::pair<std::optional<V>, W>(v, w));
        }
      },
      "right_outer_join");
}

template <class T>
template <class W, class U>
auto Rdd<T>::full_outer_join(const Rdd<std::pair<typename U::first_type, W>>& other,
                             std::int64_t n) const {
  using K = typename T::first_type;
  using V = typename T::second_type;
  using P = std::pair<std::optional<V>, std::optional<W>>;
  return detail::join_groups<std::pair<K, P>>(
      cogroup(other, n),
      [](const K& k, const std::vector<V>& vs, const std::vector<W>& ws, auto& emit) {
        if (vs.empty())
          for (const auto& w : ws) emit(k, P(std::nullopt, w));
        if (ws.empty())
          for (const auto& v : vs) emit(k, P(v, std::nullopt));
        for (const auto& v : vs)
          for (const auto& w : ws) emit(k, P(v, w));
      },
      "full_outer_join");
}

}  // namespace rill
