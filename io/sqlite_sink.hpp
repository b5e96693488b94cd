// SqliteSink<T>: a foreach_rdd output that writes each batch into a table of an embedded
// SQLite database, exactly once: the batch's rows and its batch time (in the table
// rill_progress) are committed in one transaction, and a batch whose time is not after the
// recorded one — a batch re-run after a crash — writes nothing. Spark's counterpart is the
// transactional foreachRDD pattern (results and offsets in one commit). Cost: each batch is
// collected on the driver and inserted by one thread through one prepared statement.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <rill/io/sink_mode.hpp>
#include <rill/io/sql_table_spec.hpp>
#include <rill/io/table_sink.hpp>
#include <string>
#include <string_view>
#include <vector>

// SQLite's handles, declared here so that users of the header need no <sqlite3.h>.
struct sqlite3;
struct sqlite3_stmt;

namespace rill {

namespace detail {

class SqliteTable;

// The row being bound to the sink's prepared INSERT: SqlColumns<T>::bind fills the
// parameters in column order, insert() runs the statement. Lives only inside write_batch.
class SqliteRow {
 public:
  void bind_int(std::int64_t v);
  void bind_real(double v);
  void bind_text(std::string_view v);
  [[noreturn]] void out_of_range(std::uint64_t v) const;
  void insert();

 private:
  friend class SqliteTable;
  SqliteRow(sqlite3_stmt* stmt, const SqliteTable& table) : stmt_(stmt), table_(table) {}

  sqlite3_stmt* stmt_;
  const SqliteTable& table_;
  int next_ = 1;  // SQLite parameters count from 1
};

// The untyped part of the sink: the connection (WAL journal, busy timeout, fsync on
// commit), the table (created when missing, else checked against the columns), the
// prepared statements and the transaction of one batch.
class SqliteTable {
 public:
  static constexpr const char* kSinkName = "SqliteSink";
  using Row = SqliteRow;

  // Throws std::runtime_error naming the file or the table and column when the database
  // cannot be opened or the existing table does not match.
  SqliteTable(std::string db_path, SqlTableSpec spec);
  ~SqliteTable();
  SqliteTable(const SqliteTable&) = delete;
  SqliteTable& operator=(const SqliteTable&) = delete;

  // The newest batch time committed under this sink's id, if any.
  std::optional<std::int64_t> committed_batch_time() const;

  // One transaction (BEGIN IMMEDIATE, so two writers on one file take turns), following
  // write_batch_once. SQLite's errors are rethrown as std::runtime_error with SQLite's
  // message and the table's name.
  bool write_batch(std::int64_t batch_time_ms, const std::function<void(SqliteRow&)>& write_rows);

  const std::string& column_name(std::size_t i) const { return spec_.columns.at(i); }
  // std::runtime_error naming the file and the table, with SQLite's message.
  [[noreturn]] void fail(const std::string& what) const;
  [[noreturn]] void fail(const std::string& what, const std::string& sqlite_message) const;

  // write_batch_once's transaction steps (called under mutex_).
  void begin();
  std::optional<std::int64_t> progress() const;
  void set_progress(std::int64_t batch_time_ms);
  void commit();
  void rollback() noexcept;

 private:
  void exec(const char* sql, const char* what);
  void check_schema();
  sqlite3_stmt* prepare(const std::string& sql, const char* what);

  const std::string db_path_;
  const SqlTableSpec spec_;
  // Everything below is used only under mutex_: batches of one output run one after the
  // other, but a sink copied into several outputs shares this connection.
  mutable std::mutex mutex_;
  sqlite3* db_ = nullptr;
  sqlite3_stmt* insert_ = nullptr;
  sqlite3_stmt* read_progress_ = nullptr;
  sqlite3_stmt* write_progress_ = nullptr;
};

}  // namespace detail

// SqliteSink<T>(db_path, table, columns, mode = append, key_columns = 1, sink_id = {}):
// db_path: the database file; the rest as in TableSink.
template <class T>
using SqliteSink = detail::TableSink<T, detail::SqliteTable>;

}  // namespace rill
