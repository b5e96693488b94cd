// The SQL sink tests' reference: an element printed as the database prints its row
// (`a|b|c`, nested pairs and tuples flattened, rows sorted), so that a table read back
// compares with what a plain loop over the elements says. Only REALs print differently:
// SQLite gives 15 significant digits and "2.0" for an integral value, PostgreSQL the
// shortest form that reads back ("2").
#pragma once
#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace rill::test {

enum class SqlDialect { sqlite, postgres };

template <SqlDialect D>
struct RowText {
  static std::string of(const std::string& s) { return s; }
  static std::string of(double d) {
    char buf[64];
    if constexpr (D == SqlDialect::postgres) {
      return std::string(buf, std::to_chars(buf, buf + sizeof buf, d).ptr);
    } else {
      std::snprintf(buf, sizeof buf, "%.15g", d);
      std::string s = buf;
      if (s.find_first_of(".en") == std::string::npos) s += ".0";
      return s;
    }
  }
  template <class I>
  requires std::is_integral_v<I>
  static std::string of(I i) { return std::to_string(static_cast<std::int64_t>(i)); }
  template <class A, class B>
  static std::string of(const std::pair<A, B>& p) {
    return of(p.first) + "|" + of(p.second);
  }
  template <class... Ts>
  static std::string of(const std::tuple<Ts...>& t) {
    std::string out;
    std::apply([&](const auto&... e) { ((out += (out.empty() ? "" : "|") + of(e)), ...); }, t);
    return out;
  }
};

template <SqlDialect D, class T>
std::vector<std::string> sql_reference_rows(const std::vector<T>& elements) {
  std::vector<std::string> out;
  for (const auto& e : elements) out.push_back(RowText<D>::of(e));
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace rill::test
