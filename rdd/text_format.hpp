// How elements print in save_as_text_file and DStream::print: operator<< where the type
// has one, Spark's tuple style "(a,b)" for pairs and tuples, [a, b] for vectors, and
// None / the value for optionals.
#pragma once
#include <optional>
#include <ostream>
#include <sstream>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace rill::detail {

template <class T>
void write_text(std::ostream& os, const T& x);

template <class T>
concept Streamable = requires(std::ostream& os, const T& x) {
  os << x;
};

template <class A, class B>
void write_text(std::ostream& os, const std::pair<A, B>& p) {
  os << '(';
  write_text(os, p.first);
  os << ',';
  write_text(os, p.second);
  os << ')';
}

template <class... Ts>
void write_text(std::ostream& os, const std::tuple<Ts...>& t) {
  os << '(';
  std::size_t i = 0;
  std::apply([&](const auto&... x) { ((os << (i++ ? "," : ""), write_text(os, x)), ...); }, t);
  os << ')';
}

template <class T>
void write_text(std::ostream& os, const std::vector<T>& v) {
  os << '[';
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i) os << ", ";
    write_text(os, v[i]);
  }
  os << ']';
}

template <class T>
void write_text(std::ostream& os, const std::optional<T>& o) {
  if (o)
    write_text(os, *o);
  else
    os << "None";
}

template <class T>
void write_text(std::ostream& os, const T& x) {
  static_assert(Streamable<T>, "this element type has no text form: give it an operator<<");
  os << x;
}

template <class T>
std::string to_text(const T& x) {
  std::ostringstream os;
  write_text(os, x);
  return os.str();
}

}  // namespace rill::detail
