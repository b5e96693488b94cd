// The rows a query returns, as `a|b|c` strings (NULL as "NULL"), sorted: how the SQLite
// sink tests and the log_analytics example test compare a database with their reference.
#pragma once
#include <sqlite3.h>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

namespace rill::test {

inline std::vector<std::string> sqlite_rows(sqlite3* db, const std::string& sql) {
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr) != SQLITE_OK)
    throw std::runtime_error("test: " + sql + ": " + sqlite3_errmsg(db));
  std::vector<std::string> out;
  while (sqlite3_step(s) == SQLITE_ROW) {
    std::string row;
    for (int c = 0; c < sqlite3_column_count(s); ++c) {
      const auto* p = sqlite3_column_text(s, c);
      row += (c ? "|" : "") + std::string(p ? reinterpret_cast<const char*>(p) : "NULL");
    }
    out.push_back(std::move(row));
  }
  sqlite3_finalize(s);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace rill::test
