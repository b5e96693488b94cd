// SqlColumns<T>: how an element type becomes one row of SQL columns, for the database
// sinks. A scalar is one column (integral and bool -> INTEGER, floating -> REAL,
// std::string -> TEXT); std::pair and std::tuple are flattened left to right, nested ones
// too, so std::pair<std::string, std::pair<int, double>> is three columns. Resolved at
// compile time: binding a row is a fixed sequence of calls, no per-element dispatch.
#pragma once
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace rill::detail {

// The value kinds a sink writes (SQLite's storage classes); each database names the
// column type it creates for them.
enum class SqlType { integer, real, text };

// bind() feeds a Row (detail::SqliteRow, detail::PostgresRow): bind_int / bind_real /
// bind_text set the next column of the row, out_of_range(v) throws for a value the
// database cannot hold.
template <class T>
struct SqlColumns {
  static_assert(std::is_integral_v<T> || std::is_floating_point_v<T> ||
                    std::is_same_v<T, std::string>,
                "SqliteSink / PostgresSink: an element must be an integral, bool, floating-point "
                "or std::string "
                "value, or a std::pair / std::tuple of those (nested pairs and tuples are "
                "flattened into columns)");
  static constexpr std::size_t arity = 1;

  static void types(std::vector<SqlType>& out) {
    if constexpr (std::is_same_v<T, std::string>)
      out.push_back(SqlType::text);
    else if constexpr (std::is_floating_point_v<T>)
      out.push_back(SqlType::real);
    else
      out.push_back(SqlType::integer);
  }

  template <class Row>
  static void bind(const T& v, Row& row) {
    if constexpr (std::is_same_v<T, std::string>) {
      row.bind_text(std::string_view(v));
    } else if constexpr (std::is_floating_point_v<T>) {
      row.bind_real(static_cast<double>(v));
    } else if constexpr (std::is_unsigned_v<T> && sizeof(T) >= sizeof(std::int64_t)) {
      // SQL integers (SQLite INTEGER, PostgreSQL BIGINT) are signed 64-bit: a larger value
      // would come back negative.
      if (v > static_cast<T>(std::numeric_limits<std::int64_t>::max())) row.out_of_range(v);
      row.bind_int(static_cast<std::int64_t>(v));
    } else {
      row.bind_int(static_cast<std::int64_t>(v));
    }
  }
};

template <class A, class B>
struct SqlColumns<std::pair<A, B>> {
  using First = SqlColumns<std::remove_cv_t<A>>;
  using Second = SqlColumns<std::remove_cv_t<B>>;
  static constexpr std::size_t arity = First::arity + Second::arity;

  static void types(std::vector<SqlType>& out) {
    First::types(out);
    Second::types(out);
  }
  template <class Row>
  static void bind(const std::pair<A, B>& v, Row& row) {
    First::bind(v.first, row);
    Second::bind(v.second, row);
  }
};

template <class... Ts>
struct SqlColumns<std::tuple<Ts...>> {
  static constexpr std::size_t arity =
      (std::size_t{0} + ... + SqlColumns<std::remove_cv_t<Ts>>::arity);

  static void types(std::vector<SqlType>& out) {
    (SqlColumns<std::remove_cv_t<Ts>>::types(out), ...);
  }
  template <class Row>
  static void bind(const std::tuple<Ts...>& v, Row& row) {
    std::apply([&row](const auto&... e) { (bind_one(e, row), ...); }, v);
  }

 private:
  template <class E, class Row>
  static void bind_one(const E& e, Row& row) {
    SqlColumns<std::remove_cv_t<E>>::bind(e, row);
  }
};

}  // namespace rill::detail
