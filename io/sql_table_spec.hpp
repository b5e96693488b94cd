// SqlTableSpec: the table a database sink writes — its name, column names and types, mode
// and key — checked once, and the SQL text that SQLite and PostgreSQL share for it (both
// quote names with "..." and spell upserts INSERT ... ON CONFLICT ... DO UPDATE SET
// c = excluded.c). Only the column type names and the schema query differ per database.
#pragma once
#include <cstddef>
#include <optional>
#include <rill/io/sink_mode.hpp>
#include <rill/io/sql_columns.hpp>
#include <string>
#include <utility>
#include <vector>

namespace rill::detail {

// A type name for each SqlType, in one database's dialect.
using SqlTypeNames = const char* (*)(SqlType);

struct SqlTableSpec {
  // Throws std::invalid_argument (prefixed with sink_name, naming the table) for an empty
  // table or column name, a column named twice, or an upsert key count outside 1..columns.
  SqlTableSpec(const char* sink_name, std::string table, std::vector<std::string> columns,
               std::vector<SqlType> types, SinkMode mode, std::size_t key_columns,
               std::string sink_id);

  std::string create_table(SqlTypeNames names) const;  // CREATE TABLE IF NOT EXISTS ...
  std::string column_list() const;                     // "a", "b"
  std::string key_list() const;                        // "a" (upsert only)
  std::string conflict_clause() const;                 // ON CONFLICT(...) DO ... (upsert)
  std::string insert_head() const;                     // INSERT INTO "t"("a", "b")
  // rill_progress(sink, batch_time_ms): one row per sink id, the newest committed batch.
  static std::string create_progress_table(SqlTypeNames names);

  // Compares what the database says the table has (name, declared type per column, in
  // order) with the sink's columns; holds(declared, type) says whether a declared type
  // keeps the values the sink writes. Throws std::runtime_error naming `where`, the
  // table and the first column that does not match.
  void check_existing(const std::vector<std::pair<std::string, std::string>>& existing,
                      bool (*holds)(const std::string& declared, SqlType), SqlTypeNames names,
                      const std::string& where) const;

  const char* sink_name;
  std::string table;
  std::vector<std::string> columns;
  std::vector<SqlType> types;
  SinkMode mode;
  std::size_t key_columns;
  std::string sink_id;  // the row of rill_progress; the table's name unless given
};

// A name as a quoted SQL identifier ("a""b" for a"b).
std::string sql_quoted(const std::string& name);

}  // namespace rill::detail
