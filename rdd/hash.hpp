// Hash<K>: the key hash of every shuffle and hash table in rill. std::hash plus pairs,
// tuples and a final mix so that sequential integer keys spread over partitions. Strings
// have their own: std::hash's murmur loop was a fifth of a word count's instructions.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <utility>

namespace rill {

template <class K>
struct Hash {
  std::size_t operator()(const K& k) const noexcept { return std::hash<K>{}(k); }
};

namespace detail {
// Out of line (rdd/hash.cpp), as std::hash's was: inlined, it ate the inlining budget of
// large translation units and un-inlined string moves on the hot path.
std::size_t hash_string(std::string_view s) noexcept;
}  // namespace detail

// std::string and std::string_view hash alike, so a view can look up a string key.
template <>
struct Hash<std::string_view> {
  std::size_t operator()(std::string_view s) const noexcept { return detail::hash_string(s); }
};
template <>
struct Hash<std::string> {
  std::size_t operator()(const std::string& s) const noexcept { return detail::hash_string(s); }
};

namespace detail {
inline std::size_t hash_combine(std::size_t seed, std::size_t h) noexcept {
  return seed ^ (h + 0x9e3779b97f4a7c15ULL + (seed << 6) + (seed >> 2));
}
// murmur3's finaliser: cheap, and it breaks the identity hash of integers.
inline std::size_t mix_hash(std::size_t h) noexcept {
  std::uint64_t x = h;
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return static_cast<std::size_t>(x);
}
}  // namespace detail

template <class A, class B>
struct Hash<std::pair<A, B>> {
  std::size_t operator()(const std::pair<A, B>& p) const noexcept {
    return detail::hash_combine(Hash<A>{}(p.first), Hash<B>{}(p.second));
  }
};

template <class... Ts>
struct Hash<std::tuple<Ts...>> {
  std::size_t operator()(const std::tuple<Ts...>& t) const noexcept {
    return std::apply(
        [](const auto&... x) {
          std::size_t seed = 0;
          ((seed = detail::hash_combine(seed, Hash<std::decay_t<decltype(x)>>{}(x))), ...);
          return seed;
        },
        t);
  }
};

namespace detail {
template <class K, class V>
using HashMap = std::unordered_map<K, V, Hash<K>>;
}

}  // namespace rill
