// Serializer<T>: the binary format of checkpoints and write-ahead logs. Built in for
// trivially copyable types, strings, pairs, tuples, vectors and optionals (length-prefixed,
// native byte order); specialise rill::Serializer<T> with write/read for other types.
#pragma once
#include <cstdint>
#include <istream>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace rill {

template <class T, class Enable = void>
struct Serializer;  // no definition: a type without one cannot be checkpointed

template <class T>
struct Serializer<T, std::enable_if_t<std::is_trivially_copyable_v<T>>> {
  static void write(std::ostream& os, const T& x) {
    os.write(reinterpret_cast<const char*>(&x), sizeof x);
  }
  static T read(std::istream& is) {
    T x;
    if (!is.read(reinterpret_cast<char*>(&x), sizeof x))
      throw std::runtime_error("truncated record");
    return x;
  }
};

namespace detail {
inline void write_size(std::ostream& os, std::size_t n) {
  Serializer<std::uint64_t>::write(os, n);
}
inline std::size_t read_size(std::istream& is, std::size_t limit = std::size_t(1) << 40) {
  auto n = Serializer<std::uint64_t>::read(is);
  if (n > limit) throw std::runtime_error("corrupt length " + std::to_string(n));
  return static_cast<std::size_t>(n);
}
}  // namespace detail

template <>
struct Serializer<std::string> {
  static void write(std::ostream& os, const std::string& s) {
    detail::write_size(os, s.size());
    os.write(s.data(), static_cast<std::streamsize>(s.size()));
  }
  static std::string read(std::istream& is) {
    std::string s(detail::read_size(is, std::size_t(1) << 32), '\0');
    if (!is.read(s.data(), static_cast<std::streamsize>(s.size())))
      throw std::runtime_error("truncated string");
    return s;
  }
};

template <class A, class B>
struct Serializer<std::pair<A, B>,
                  std::enable_if_t<!std::is_trivially_copyable_v<std::pair<A, B>>>> {
  static void write(std::ostream& os, const std::pair<A, B>& p) {
    Serializer<A>::write(os, p.first);
    Serializer<B>::write(os, p.second);
  }
  static std::pair<A, B> read(std::istream& is) {
    A a = Serializer<A>::read(is);
    return {std::move(a), Serializer<B>::read(is)};
  }
};

template <class... Ts>
struct Serializer<std::tuple<Ts...>,
                  std::enable_if_t<!std::is_trivially_copyable_v<std::tuple<Ts...>>>> {
  static void write(std::ostream& os, const std::tuple<Ts...>& t) {
    std::apply(
        [&](const auto&... x) { (Serializer<std::decay_t<decltype(x)>>::write(os, x), ...); }, t);
  }
  static std::tuple<Ts...> read(std::istream& is) {
    return std::tuple<Ts...>{Serializer<Ts>::read(is)...};
  }
};

template <class T>
struct Serializer<std::vector<T>> {
  static void write(std::ostream& os, const std::vector<T>& v) {
    detail::write_size(os, v.size());
    for (const auto& x : v) Serializer<T>::write(os, x);
  }
  static std::vector<T> read(std::istream& is) {
    std::vector<T> v(detail::read_size(is, std::size_t(1) << 32));
    for (auto& x : v) x = Serializer<T>::read(is);
    return v;
  }
};

template <class T>
struct Serializer<std::optional<T>,
                  std::enable_if_t<!std::is_trivially_copyable_v<std::optional<T>>>> {
  static void write(std::ostream& os, const std::optional<T>& o) {
    Serializer<bool>::write(os, o.has_value());
    if (o) Serializer<T>::write(os, *o);
  }
  static std::optional<T> read(std::istream& is) {
    if (!Serializer<bool>::read(is)) return std::nullopt;
    return Serializer<T>::read(is);
  }
};

}  // namespace rill
