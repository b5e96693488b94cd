#include <sqlite3.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <rill/io/sqlite_sink.hpp>
#include <stdexcept>
#include <thread>

namespace rill::detail {
namespace {

// How long a writer waits for another connection's transaction before failing: long
// enough for a batch of another process on the same file, short enough to report a stuck one.
constexpr int kBusyTimeoutMs = 5000;

// SQLite's column affinity of a declared type (its "Determination of Column Affinity").
enum class Affinity { integer, text, blob, real, numeric };
Affinity affinity_of(std::string declared) {
  std::transform(declared.begin(), declared.end(), declared.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  auto has = [&](const char* s) { return declared.find(s) != std::string::npos; };
  if (has("INT")) return Affinity::integer;
  if (has("CHAR") || has("CLOB") || has("TEXT")) return Affinity::text;
  if (has("BLOB") || declared.empty()) return Affinity::blob;
  if (has("REAL") || has("FLOA") || has("DOUB")) return Affinity::real;
  return Affinity::numeric;
}

// A table made by hand may say BIGINT, VARCHAR(20) or DECIMAL: what matters is that
// SQLite keeps the values as the sink writes them.
bool holds(const std::string& declared, SqlType t) {
  const Affinity a = affinity_of(declared);
  switch (t) {
    case SqlType::integer:
      return a == Affinity::integer || a == Affinity::numeric;
    case SqlType::real:
      return a == Affinity::real || a == Affinity::numeric;
    case SqlType::text:
      return a == Affinity::text;
  }
  return false;
}

const char* sqlite_type_name(SqlType t) {
  switch (t) {
    case SqlType::integer:
      return "INTEGER";
    case SqlType::real:
      return "REAL";
    case SqlType::text:
      return "TEXT";
  }
  return "?";
}

}  // namespace

void SqliteRow::bind_int(std::int64_t v) {
  if (sqlite3_bind_int64(stmt_, next_++, v) != SQLITE_OK) table_.fail("cannot bind a value");
}

void SqliteRow::bind_real(double v) {
  if (sqlite3_bind_double(stmt_, next_++, v) != SQLITE_OK) table_.fail("cannot bind a value");
}

void SqliteRow::bind_text(std::string_view v) {
  // SQLITE_STATIC: the element outlives the statement's step, which is all SQLite needs.
  if (sqlite3_bind_text64(stmt_, next_++, v.data(), v.size(), SQLITE_STATIC, SQLITE_UTF8) !=
      SQLITE_OK)
    table_.fail("cannot bind a value");
}

void SqliteRow::out_of_range(std::uint64_t v) const {
  throw std::out_of_range(
      "SqliteSink: column '" + table_.column_name(static_cast<std::size_t>(next_ - 1)) +
      "': " + std::to_string(v) + " does not fit SQLite's 64-bit signed INTEGER");
}

void SqliteRow::insert() {
  const int rc = sqlite3_step(stmt_);
  if (rc != SQLITE_DONE) {
    std::string msg = sqlite3_errmsg(sqlite3_db_handle(stmt_));
    sqlite3_reset(stmt_);
    table_.fail("insert failed", msg);
  }
  sqlite3_reset(stmt_);
  next_ = 1;
}

SqliteTable::SqliteTable(std::string db_path, SqlTableSpec spec)
    : db_path_(std::move(db_path)), spec_(std::move(spec)) {
  const int rc =
      sqlite3_open_v2(db_path_.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw std::runtime_error("SqliteSink: cannot open database '" + db_path_ + "': " + msg);
  }
  try {
    sqlite3_busy_timeout(db_, kBusyTimeoutMs);
    // SQLite opens the file lazily: this is where a directory or a foreign file fails.
    // WAL lets readers of the table run while a batch is written. Switching to it takes an
    // exclusive lock, for which SQLite does not wait: a sink opened while another
    // connection uses the file retries until the busy timeout instead.
    for (auto deadline =
             std::chrono::steady_clock::now() + std::chrono::milliseconds(kBusyTimeoutMs);
         ;) {
      const int r = sqlite3_exec(db_, "PRAGMA journal_mode=WAL", nullptr, nullptr, nullptr);
      if (r == SQLITE_OK) break;
      if ((r & 0xff) != SQLITE_BUSY || std::chrono::steady_clock::now() > deadline)
        fail("cannot open the database");
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    // FULL: a commit is on disk before the batch counts as completed, else a power cut
    // could lose a batch whose completion rill's own checkpoint already recorded.
    exec("PRAGMA synchronous=FULL", "cannot set synchronous=FULL");
    // The schema is made and checked in a write transaction: a CREATE run in autocommit
    // mode fails at once, without the busy timeout, when another writer commits meanwhile.
    exec("BEGIN IMMEDIATE", "cannot begin a transaction");
    exec(SqlTableSpec::create_progress_table(sqlite_type_name).c_str(),
         "cannot create the progress table rill_progress");
    exec(spec_.create_table(sqlite_type_name).c_str(), "cannot create the table");
    check_schema();
    exec("COMMIT", "cannot commit the table");

    std::string params = "?";
    for (std::size_t i = 1; i < spec_.columns.size(); ++i) params += ", ?";
    std::string insert = spec_.insert_head() + " VALUES(" + params + ")";
    if (spec_.mode == SinkMode::upsert) insert += spec_.conflict_clause();
    insert_ = prepare(insert, spec_.mode == SinkMode::upsert
                                  ? "cannot prepare the upsert (the key columns need a PRIMARY "
                                    "KEY or UNIQUE index)"
                                  : "cannot prepare the insert");
    read_progress_ =
        prepare("SELECT batch_time_ms FROM rill_progress WHERE sink = ?", "cannot read progress");
    write_progress_ = prepare(
        "INSERT INTO rill_progress(sink, batch_time_ms) VALUES(?, ?) ON CONFLICT(sink) DO "
        "UPDATE SET batch_time_ms = excluded.batch_time_ms",
        "cannot prepare the progress update");
    for (auto* s : {read_progress_, write_progress_})
      sqlite3_bind_text(s, 1, spec_.sink_id.c_str(), static_cast<int>(spec_.sink_id.size()),
                        SQLITE_STATIC);
  } catch (...) {
    if (!sqlite3_get_autocommit(db_)) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    for (auto* s : {insert_, read_progress_, write_progress_}) sqlite3_finalize(s);
    sqlite3_close_v2(db_);
    throw;
  }
}

SqliteTable::~SqliteTable() {
  for (auto* s : {insert_, read_progress_, write_progress_}) sqlite3_finalize(s);
  sqlite3_close_v2(db_);
}

void SqliteTable::fail(const std::string& what) const {
  fail(what, sqlite3_errmsg(db_));
}

void SqliteTable::fail(const std::string& what, const std::string& sqlite_message) const {
  throw std::runtime_error("SqliteSink: table '" + spec_.table + "' in '" + db_path_ +
                           "': " + what + ": " + sqlite_message);
}

void SqliteTable::exec(const char* sql, const char* what) {
  if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK) fail(what);
}

sqlite3_stmt* SqliteTable::prepare(const std::string& sql, const char* what) {
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(db_, sql.c_str(), static_cast<int>(sql.size()), &s, nullptr) != SQLITE_OK)
    fail(what);
  return s;
}

void SqliteTable::check_schema() {
  sqlite3_stmt* info =
      prepare("PRAGMA table_info(" + sql_quoted(spec_.table) + ")", "cannot read schema");
  std::vector<std::pair<std::string, std::string>> existing;  // name, declared type
  while (sqlite3_step(info) == SQLITE_ROW) {
    auto text = [&](int col) {
      const auto* p = sqlite3_column_text(info, col);
      return std::string(p ? reinterpret_cast<const char*>(p) : "");
    };
    existing.emplace_back(text(1), text(2));
  }
  sqlite3_finalize(info);
  spec_.check_existing(existing, holds, sqlite_type_name, "'" + db_path_ + "'");
}

std::optional<std::int64_t> SqliteTable::progress() const {
  std::optional<std::int64_t> out;
  const int rc = sqlite3_step(read_progress_);
  if (rc == SQLITE_ROW) out = sqlite3_column_int64(read_progress_, 0);
  sqlite3_reset(read_progress_);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) fail("cannot read rill_progress");
  return out;
}

std::optional<std::int64_t> SqliteTable::committed_batch_time() const {
  std::lock_guard lock(mutex_);
  return progress();
}

void SqliteTable::begin() {
  exec("BEGIN IMMEDIATE", "cannot begin the batch's transaction");
}

void SqliteTable::set_progress(std::int64_t batch_time_ms) {
  sqlite3_bind_int64(write_progress_, 2, batch_time_ms);
  const int rc = sqlite3_step(write_progress_);
  sqlite3_reset(write_progress_);
  if (rc != SQLITE_DONE) fail("cannot update rill_progress");
}

void SqliteTable::commit() {
  exec("COMMIT", "cannot commit the batch");
}

void SqliteTable::rollback() noexcept {
  sqlite3_reset(insert_);
  // A failed COMMIT may have ended the transaction already; a second one would fail.
  if (!sqlite3_get_autocommit(db_)) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

bool SqliteTable::write_batch(std::int64_t batch_time_ms,
                              const std::function<void(SqliteRow&)>& write_rows) {
  std::lock_guard lock(mutex_);
  return write_batch_once(*this, batch_time_ms, [&] {
    SqliteRow row(insert_, *this);
    write_rows(row);
  });
}

}  // namespace rill::detail
