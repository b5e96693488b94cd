#include <libpq-fe.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <rill/io/postgres_sink.hpp>
#include <stdexcept>
#include <thread>

namespace rill::detail {
namespace {

// Tries of one batch when the connection breaks: 5 tries, 0.1 + 0.2 + 0.4 + 0.8 s apart,
// long enough for a server restart (pg_ctl restart: ~1 s), short enough to report one
// that stays down before the next batch is due.
constexpr int kAttempts = 5;
constexpr auto kFirstBackoff = std::chrono::milliseconds(100);
// COPY data is sent in chunks of about this size (libpq buffers what it cannot send).
constexpr std::size_t kCopyChunkBytes = 1 << 16;

// An error after which the transaction may succeed on a new try: the connection is
// gone, or the server asked for the transaction to be retried (serialization failure).
struct RetryableError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

const char* postgres_type_name(SqlType t) {
  switch (t) {
    case SqlType::integer:
      return "BIGINT";
    case SqlType::real:
      return "DOUBLE PRECISION";
    case SqlType::text:
      return "TEXT";
  }
  return "?";
}

// A table made by hand may say INTEGER, NUMERIC or VARCHAR(20): fine as long as the value
// the sink writes comes back as written (a too large or too long one fails the batch).
bool postgres_holds(const std::string& declared, SqlType t) {
  auto starts = [&](const char* s) { return declared.rfind(s, 0) == 0; };
  switch (t) {
    case SqlType::integer:
      return declared == "bigint" || declared == "integer" || declared == "smallint" ||
             starts("numeric");
    case SqlType::real:
      return declared == "double precision" || starts("numeric");
    case SqlType::text:
      return declared == "text" || starts("character varying");
  }
  return false;
}

std::string trimmed(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  return s;
}

// "PostgreSQL at host H port P database D" from the connection string, with libpq's
// defaults (PGHOST, PGPORT, ...) for what it leaves out; never the password.
std::string describe(const std::string& conninfo) {
  char* err = nullptr;
  PQconninfoOption* opts = PQconninfoParse(conninfo.c_str(), &err);
  if (!opts) {
    std::string msg = err ? trimmed(err) : "out of memory";
    PQfreemem(err);
    throw std::invalid_argument("PostgresSink: bad connection string: " + msg);
  }
  PQconninfoOption* defaults = PQconndefaults();
  auto value = [&](const char* key) -> std::string {
    for (auto* o = opts; o->keyword; ++o)
      if (std::string_view(o->keyword) == key && o->val && *o->val) return o->val;
    for (auto* o = defaults; o && o->keyword; ++o)
      if (std::string_view(o->keyword) == key && o->val && *o->val) return o->val;
    return {};
  };
  std::string host = value("host");
  if (host.empty()) host = value("hostaddr");
  std::string port = value("port");
  std::string db = value("dbname");
  if (db.empty()) db = value("user");
  PQconninfoFree(opts);
  PQconninfoFree(defaults);
  return "PostgreSQL at host " + (host.empty() ? std::string("(local socket)") : host) + " port " +
         (port.empty() ? std::string("5432") : port) + " database " +
         (db.empty() ? std::string("(default)") : db);
}

}  // namespace

void PostgresRow::bind_int(std::int64_t v) {
  char buf[24];
  buffer_.append(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
  buffer_ += '\t';
  ++column_;
}

void PostgresRow::bind_real(double v) {
  if (std::isnan(v)) {
    buffer_ += "NaN";
  } else if (std::isinf(v)) {
    buffer_ += v > 0 ? "Infinity" : "-Infinity";
  } else {
    char buf[32];  // shortest form that reads back as the same double
    buffer_.append(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
  }
  buffer_ += '\t';
  ++column_;
}

void PostgresRow::bind_text(std::string_view v) {
  // COPY's text format: backslash escapes for the separators and the backslash itself.
  for (char c : v) {
    switch (c) {
      case '\\':
        buffer_ += "\\\\";
        break;
      case '\t':
        buffer_ += "\\t";
        break;
      case '\n':
        buffer_ += "\\n";
        break;
      case '\r':
        buffer_ += "\\r";
        break;
      case '\0':
        throw std::invalid_argument("PostgresSink: column '" + table_.column_name(column_) +
                                    "': a text value contains a NUL byte, which PostgreSQL's "
                                    "TEXT cannot hold");
      default:
        buffer_ += c;
    }
  }
  buffer_ += '\t';
  ++column_;
}

void PostgresRow::out_of_range(std::uint64_t v) const {
  throw std::out_of_range("PostgresSink: column '" + table_.column_name(column_) + "': " +
                          std::to_string(v) + " does not fit PostgreSQL's 64-bit signed BIGINT");
}

void PostgresRow::insert() {
  buffer_.back() = '\n';  // the last column's tab ends the line
  column_ = 0;
  if (buffer_.size() >= kCopyChunkBytes) {
    table_.send(buffer_);
    buffer_.clear();
  }
}

PostgresTable::PostgresTable(std::string conninfo, SqlTableSpec spec)
    : conninfo_(std::move(conninfo)), spec_(std::move(spec)), where_(describe(conninfo_)) {
  const std::string stage_cols = spec_.column_list();
  if (spec_.mode == SinkMode::append) {
    copy_sql_ = "COPY " + sql_quoted(spec_.table) + "(" + stage_cols + ") FROM STDIN";
  } else {
    // COPY cannot upsert: the batch goes into a temporary table first. Of several rows of
    // one key in a batch the last wins, as with SQLite's row-by-row upsert (and one
    // INSERT ... ON CONFLICT DO UPDATE may not touch a row twice).
    copy_sql_ = "COPY pg_temp.rill_stage(" + stage_cols + ") FROM STDIN";
    merge_sql_ = spec_.insert_head() + " SELECT DISTINCT ON (" + spec_.key_list() + ") " +
                 stage_cols + " FROM pg_temp.rill_stage ORDER BY " + spec_.key_list() +
                 ", rill_seq DESC" + spec_.conflict_clause();
  }
  std::lock_guard lock(mutex_);
  try {
    connect();  // not retried: a server that is down at start is reported at once
    create_schema();
  } catch (...) {
    PQfinish(conn_);
    conn_ = nullptr;
    throw;
  }
}

PostgresTable::~PostgresTable() {
  PQfinish(conn_);
}

void PostgresTable::fail(const std::string& what, void* result) const {
  auto* res = static_cast<PGresult*>(result);
  std::string msg = trimmed(res ? PQresultErrorMessage(res) : conn_ ? PQerrorMessage(conn_) : "");
  const char* state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  const std::string code = state ? state : "";
  PQclear(res);
  const std::string full =
      "PostgresSink: table '" + spec_.table + "' at " + where_ + ": " + what + ": " + msg;
  // Class 08: connection exception; 57P: the server is shutting down or restarting; 40:
  // serialization failure or deadlock, which the server says to retry.
  const bool lost = !conn_ || PQstatus(conn_) == CONNECTION_BAD || code.rfind("08", 0) == 0 ||
                    code.rfind("57P", 0) == 0;
  if (lost) {
    PQfinish(conn_);  // the next try connects afresh
    conn_ = nullptr;
  }
  if (lost || code.rfind("40", 0) == 0) throw RetryableError(full);
  throw std::runtime_error(full);
}

void PostgresTable::connect() const {
  PQfinish(conn_);
  in_copy_ = false;
  // Keywords are applied in order: the user's string may override the timeout and the
  // application name, but not the encoding the COPY data is written in.
  const char* keys[] = {"connect_timeout", "fallback_application_name", "dbname", "client_encoding",
                        nullptr};
  const char* values[] = {"10", "rill", conninfo_.c_str(), "UTF8", nullptr};
  conn_ = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
  if (!conn_ || PQstatus(conn_) != CONNECTION_OK) {
    std::string msg = conn_ ? trimmed(PQerrorMessage(conn_)) : "out of memory";
    PQfinish(conn_);
    conn_ = nullptr;
    throw RetryableError("PostgresSink: table '" + spec_.table + "': cannot connect to " + where_ +
                         ": " + msg);
  }
  // NOTICEs ("relation already exists, skipping") would go to stderr on every start.
  PQsetNoticeProcessor(
      conn_, [](void*, const char*) {}, nullptr);
  if (spec_.mode == SinkMode::upsert) {
    std::string cols;
    for (std::size_t i = 0; i < spec_.columns.size(); ++i)
      cols += ", " + sql_quoted(spec_.columns[i]) + " " + postgres_type_name(spec_.types[i]);
    // Per connection, emptied by every commit; rill_seq keeps the order of the batch.
    exec("CREATE TEMP TABLE IF NOT EXISTS rill_stage(rill_seq BIGSERIAL" + cols +
             ") ON COMMIT DELETE ROWS",
         "cannot create the temporary table rill_stage");
  }
}

void PostgresTable::exec(const std::string& sql, const char* what) const {
  PGresult* res = PQexec(conn_, sql.c_str());
  const auto status = PQresultStatus(res);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) fail(what, res);
  PQclear(res);
}

void PostgresTable::create_schema() {
  exec("BEGIN", "cannot begin a transaction");
  try {
    // CREATE TABLE IF NOT EXISTS is not safe against a concurrent CREATE of the same
    // name: sinks setting up at the same moment take turns on a lock of their own.
    exec("SELECT pg_advisory_xact_lock(7523094288207667809)", "cannot lock the schema");
    exec(SqlTableSpec::create_progress_table(postgres_type_name), "cannot create rill_progress");
    exec(spec_.create_table(postgres_type_name), "cannot create the table");

    const std::string name = sql_quoted(spec_.table);
    const char* params[] = {name.c_str()};
    PGresult* res = PQexecParams(
        conn_,
        "SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a WHERE "
        "a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
        1, nullptr, params, nullptr, nullptr, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) fail("cannot read the table's columns", res);
    std::vector<std::pair<std::string, std::string>> existing;
    for (int r = 0; r < PQntuples(res); ++r)
      existing.emplace_back(PQgetvalue(res, r, 0), PQgetvalue(res, r, 1));
    PQclear(res);
    spec_.check_existing(existing, postgres_holds, postgres_type_name, where_);
    // Planning the upsert is where PostgreSQL finds that the key has no unique index.
    if (spec_.mode == SinkMode::upsert)
      exec("EXPLAIN " + merge_sql_,
           "cannot prepare the upsert (the key columns need a PRIMARY KEY or UNIQUE index)");
    exec("COMMIT", "cannot commit the table");
  } catch (...) {
    rollback();
    throw;
  }
}

template <class F>
auto PostgresTable::reconnecting(F&& f) const {
  auto backoff = kFirstBackoff;
  for (int attempt = 1;; ++attempt) {
    try {
      if (!conn_) connect();
      return f();
    } catch (const RetryableError& e) {
      if (attempt == kAttempts)
        throw std::runtime_error(std::string(e.what()) + " (gave up after " +
                                 std::to_string(kAttempts) + " tries)");
    }
    std::this_thread::sleep_for(backoff);
    backoff *= 2;
  }
}

std::optional<std::int64_t> PostgresTable::read_progress(const char* sql) const {
  const char* params[] = {spec_.sink_id.c_str()};
  PGresult* res = PQexecParams(conn_, sql, 1, nullptr, params, nullptr, nullptr, 0);
  if (PQresultStatus(res) != PGRES_TUPLES_OK) fail("cannot read rill_progress", res);
  std::optional<std::int64_t> out;
  if (PQntuples(res) > 0) out = std::strtoll(PQgetvalue(res, 0, 0), nullptr, 10);
  PQclear(res);
  return out;
}

std::optional<std::int64_t> PostgresTable::committed_batch_time() const {
  std::lock_guard lock(mutex_);
  return reconnecting(
      [&] { return read_progress("SELECT batch_time_ms FROM rill_progress WHERE sink = $1"); });
}

void PostgresTable::begin() {
  exec("BEGIN", "cannot begin the batch's transaction");
}

std::optional<std::int64_t> PostgresTable::progress() const {
  // FOR UPDATE: a second writer of the same sink id waits for this batch to commit.
  return read_progress("SELECT batch_time_ms FROM rill_progress WHERE sink = $1 FOR UPDATE");
}

void PostgresTable::set_progress(std::int64_t batch_time_ms) {
  const std::string t = std::to_string(batch_time_ms);
  const char* params[] = {spec_.sink_id.c_str(), t.c_str()};
  PGresult* res =
      PQexecParams(conn_,
                   "INSERT INTO rill_progress(sink, batch_time_ms) VALUES($1, $2) ON "
                   "CONFLICT(sink) DO UPDATE SET batch_time_ms = excluded.batch_time_ms",
                   2, nullptr, params, nullptr, nullptr, 0);
  if (PQresultStatus(res) != PGRES_COMMAND_OK) fail("cannot update rill_progress", res);
  PQclear(res);
}

void PostgresTable::commit() {
  exec("COMMIT", "cannot commit the batch");
}

void PostgresTable::rollback() noexcept {
  if (!conn_ || PQstatus(conn_) != CONNECTION_OK) return;  // the server rolls it back
  if (in_copy_) {
    PQputCopyEnd(conn_, "batch aborted by rill");
    while (PGresult* r = PQgetResult(conn_)) PQclear(r);
    in_copy_ = false;
  }
  PQclear(PQexec(conn_, "ROLLBACK"));
}

void PostgresTable::send(const std::string& copy_data) {
  if (PQputCopyData(conn_, copy_data.data(), static_cast<int>(copy_data.size())) != 1)
    fail("cannot send the batch's rows");
}

void PostgresTable::copy_rows(const std::function<void(PostgresRow&)>& write_rows) {
  PGresult* res = PQexec(conn_, copy_sql_.c_str());
  if (PQresultStatus(res) != PGRES_COPY_IN) fail("cannot start COPY", res);
  PQclear(res);
  in_copy_ = true;
  PostgresRow row(*this);
  write_rows(row);
  if (!row.buffer_.empty()) send(row.buffer_);
  in_copy_ = false;
  if (PQputCopyEnd(conn_, nullptr) != 1) fail("cannot end COPY");
  res = PQgetResult(conn_);
  if (PQresultStatus(res) != PGRES_COMMAND_OK) {
    while (PGresult* r = PQgetResult(conn_)) PQclear(r);
    fail("COPY of the batch's rows failed", res);
  }
  PQclear(res);
  while (PGresult* r = PQgetResult(conn_)) PQclear(r);
  if (spec_.mode == SinkMode::upsert) exec(merge_sql_, "upsert of the batch's rows failed");
}

bool PostgresTable::write_batch(std::int64_t batch_time_ms,
                                const std::function<void(PostgresRow&)>& write_rows) {
  std::lock_guard lock(mutex_);
  return reconnecting(
      [&] { return write_batch_once(*this, batch_time_ms, [&] { copy_rows(write_rows); }); });
}

}  // namespace rill::detail
