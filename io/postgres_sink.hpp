// PostgresSink<T>: a foreach_rdd output that writes each batch into a PostgreSQL table,
// exactly once — SqliteSink's semantics over libpq: the batch's rows and its batch time
// (table rill_progress) are committed in one transaction, a batch whose time is already
// recorded writes nothing. Spark's counterpart is the transactional foreachRDD pattern.
// Cost: one collect per batch, then one COPY per batch (upsert: COPY into a temporary
// table and one INSERT ... SELECT ... ON CONFLICT), a handful of round trips per batch.
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

// libpq's connection handle (PGconn), declared here so that users need no <libpq-fe.h>.
struct pg_conn;

namespace rill {

namespace detail {

class PostgresTable;

// The row being appended to the batch's COPY data (text format): SqlColumns<T>::bind
// writes the columns in order, insert() ends the line and sends the buffer to the server
// whenever it has grown past a chunk. Lives only inside write_batch.
class PostgresRow {
 public:
  void bind_int(std::int64_t v);
  void bind_real(double v);
  void bind_text(std::string_view v);
  [[noreturn]] void out_of_range(std::uint64_t v) const;
  void insert();

 private:
  friend class PostgresTable;
  explicit PostgresRow(PostgresTable& table) : table_(table) {}

  PostgresTable& table_;
  std::string buffer_;  // COPY lines not yet sent
  std::size_t column_ = 0;
};

// The untyped part of the sink: the connection (made at construction; remade, with a few
// retries, when a batch finds it broken), the table (created when missing, else checked
// against the columns) and the transaction of one batch.
class PostgresTable {
 public:
  static constexpr const char* kSinkName = "PostgresSink";
  using Row = PostgresRow;

  // conninfo: a libpq connection string ("host=... port=... dbname=...") or URI
  // ("postgresql://user@host:port/db"). Throws std::invalid_argument for a connection
  // string libpq cannot parse, std::runtime_error naming host, port and database when the
  // server cannot be reached, or naming the table and column when it does not match.
  PostgresTable(std::string conninfo, SqlTableSpec spec);
  ~PostgresTable();
  PostgresTable(const PostgresTable&) = delete;
  PostgresTable& operator=(const PostgresTable&) = delete;

  // The newest batch time committed under this sink's id, if any (reconnects if needed).
  std::optional<std::int64_t> committed_batch_time() const;

  // One transaction following write_batch_once. A lost connection (server restarted, a
  // backend terminated) or a serialization failure is retried on a new connection a few
  // times, 0.1 s to 0.8 s apart, then rethrown; a commit whose result was lost is then
  // found in rill_progress and not repeated. Other errors (a value the column rejects)
  // fail at once. Errors are std::runtime_error naming the table, server and libpq's message.
  bool write_batch(std::int64_t batch_time_ms, const std::function<void(PostgresRow&)>& write_rows);

  const std::string& column_name(std::size_t i) const { return spec_.columns.at(i); }

  // write_batch_once's transaction steps (called under mutex_, connected).
  void begin();
  std::optional<std::int64_t> progress() const;
  void set_progress(std::int64_t batch_time_ms);
  void commit();
  void rollback() noexcept;

 private:
  friend class PostgresRow;
  void connect() const;
  void create_schema();
  void copy_rows(const std::function<void(PostgresRow&)>& write_rows);
  void send(const std::string& copy_data);
  void exec(const std::string& sql, const char* what) const;
  std::optional<std::int64_t> read_progress(const char* sql) const;
  template <class F>
  auto reconnecting(F&& f) const;
  [[noreturn]] void fail(const std::string& what, void* result = nullptr) const;

  const std::string conninfo_;
  const SqlTableSpec spec_;
  std::string where_;  // "PostgreSQL at host H port P database D", for messages (no password)
  std::string copy_sql_, merge_sql_;
  // Used only under mutex_: batches of one output run one after the other, but a sink
  // copied into several outputs shares this connection. Null while disconnected.
  mutable std::mutex mutex_;
  mutable pg_conn* conn_ = nullptr;
  mutable bool in_copy_ = false;  // between COPY ... FROM STDIN and its end
};

}  // namespace detail

// PostgresSink<T>(conninfo, table, columns, mode = append, key_columns = 1, sink_id = {}):
// conninfo: a libpq connection string or URI; the rest as in TableSink.
template <class T>
using PostgresSink = detail::TableSink<T, detail::PostgresTable>;

}  // namespace rill
