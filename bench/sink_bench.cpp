// The database sinks (README "Sinks"): rows/s of one batch transaction of 100 K
// (std::string, long) rows into SQLite and into PostgreSQL, append and upsert, each next to
// a hand-written twin — a plain loop of sqlite3 / libpq calls doing the same transaction
// (progress read, rows, progress write, commit) — with the ratio printed after the rill
// case. The batch is a cached RDD of 4 partitions, so rill's time includes its collect.
// SQLite writes a file under RILL_BENCH_DIR (default: the temp directory); PostgreSQL is a
// server the benchmark starts itself (tests/io/postgres_server.hpp, fsync on).
#include <benchmark/benchmark.h>
#include <libpq-fe.h>
#include <sqlite3.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <rill/rill.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench_support.hpp"
#include "io/postgres_server.hpp"

namespace {

using KV = std::pair<std::string, long>;
using Clock = std::chrono::steady_clock;
constexpr std::int64_t kRows = 100'000;

std::vector<KV> batch_rows(std::int64_t batch, bool same_keys) {
  std::vector<KV> rows;
  rows.reserve(kRows);
  for (std::int64_t i = 0; i < kRows; ++i)
    rows.emplace_back("key-" + std::to_string(same_keys ? i : batch * kRows + i), batch + i);
  return rows;
}

// rows/s of each (database/mode, variant), for the ratio printed after the rill case.
std::map<std::string, double>& rates() {
  static std::map<std::string, double> r;
  return r;
}
void report(benchmark::State& state, const std::string& workload, const char* variant,
            double seconds, std::int64_t batches) {
  const double per_s = double(kRows * batches) / seconds;
  state.counters["rows_per_s"] = per_s;
  rates()[workload + "/" + variant] = per_s;
  if (std::string(variant) == "rill" && rates().count(workload + "/twin")) {
    const double twin = rates()[workload + "/twin"];
    state.counters["rill_vs_twin"] = per_s / twin;
    std::printf("sink %-16s rill %.2f M rows/s, twin %.2f M rows/s: rill/twin %.2f\n",
                workload.c_str(), per_s / 1e6, twin / 1e6, per_s / twin);
  }
}

std::filesystem::path scratch(const std::string& name) {
  std::filesystem::path root = std::filesystem::temp_directory_path();
  if (const char* d = std::getenv("RILL_BENCH_DIR"); d && *d) root = d;
  auto p = root / ("rill-bench-sink-" + name + "-" + std::to_string(::getpid()) + ".db");
  for (const char* ext : {"", "-wal", "-shm"}) std::filesystem::remove(p.string() + ext);
  return p;
}
void remove_db(const std::filesystem::path& p) {
  for (const char* ext : {"", "-wal", "-shm"}) std::filesystem::remove(p.string() + ext);
}

rill::Context& context() {
  static rill::Context ctx(rill::Config{.parallelism = rill_bench::kParallelism});
  return ctx;
}

// ---- SQLite ----

// One batch transaction per iteration through a rill sink, timed without building the RDD.
template <class Sink>
void run_rill_sink(benchmark::State& state, const Sink& sink, bool upsert,
                   const std::string& workload) {
  std::int64_t batch = 0;
  double seconds = 0;
  for (auto _ : state) {
    auto rdd = context().parallelize(batch_rows(++batch, upsert), 4).cache();
    rdd.count();
    const auto t0 = Clock::now();
    sink(rdd, rill::Time{batch});
    const double s = std::chrono::duration<double>(Clock::now() - t0).count();
    state.SetIterationTime(s);
    seconds += s;
  }
  report(state, workload, "rill", seconds, batch);
}

void BM_Sink_Sqlite_rill(benchmark::State& state) {
  const bool upsert = state.range(0) == 1;
  const auto path = scratch("rill");
  run_rill_sink(state,
                rill::SqliteSink<KV>(path.string(), "t", {"k", "v"},
                                     upsert ? rill::SinkMode::upsert : rill::SinkMode::append),
                upsert, upsert ? "sqlite/upsert" : "sqlite/append");
  remove_db(path);
}

void sqlite_exec(sqlite3* db, const char* sql) {
  if (sqlite3_exec(db, sql, nullptr, nullptr, nullptr) != SQLITE_OK)
    throw std::runtime_error(std::string("sqlite: ") + sqlite3_errmsg(db));
}

void BM_Sink_Sqlite_twin(benchmark::State& state) {
  const bool upsert = state.range(0) == 1;
  const auto path = scratch("twin");
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  sqlite_exec(db, "PRAGMA journal_mode=WAL");
  sqlite_exec(db, "PRAGMA synchronous=FULL");
  sqlite_exec(db, "CREATE TABLE rill_progress(sink TEXT PRIMARY KEY, batch_time_ms INTEGER)");
  sqlite_exec(db, upsert ? "CREATE TABLE t(k TEXT, v INTEGER, PRIMARY KEY(k))"
                         : "CREATE TABLE t(k TEXT, v INTEGER)");
  sqlite3_stmt *ins = nullptr, *prog = nullptr, *read = nullptr;
  sqlite3_prepare_v2(db,
                     upsert ? "INSERT INTO t(k, v) VALUES(?, ?) ON CONFLICT(k) DO UPDATE SET v = "
                              "excluded.v"
                            : "INSERT INTO t(k, v) VALUES(?, ?)",
                     -1, &ins, nullptr);
  sqlite3_prepare_v2(db, "SELECT batch_time_ms FROM rill_progress WHERE sink = 't'", -1, &read,
                     nullptr);
  sqlite3_prepare_v2(db,
                     "INSERT INTO rill_progress VALUES('t', ?) ON CONFLICT(sink) DO UPDATE SET "
                     "batch_time_ms = excluded.batch_time_ms",
                     -1, &prog, nullptr);
  std::int64_t batch = 0;
  double seconds = 0;
  for (auto _ : state) {
    const auto rows = batch_rows(++batch, upsert);
    const auto t0 = Clock::now();
    sqlite_exec(db, "BEGIN IMMEDIATE");
    sqlite3_step(read);
    sqlite3_reset(read);
    for (const auto& [k, v] : rows) {
      sqlite3_bind_text(ins, 1, k.data(), static_cast<int>(k.size()), SQLITE_STATIC);
      sqlite3_bind_int64(ins, 2, v);
      if (sqlite3_step(ins) != SQLITE_DONE) throw std::runtime_error("sqlite insert");
      sqlite3_reset(ins);
    }
    sqlite3_bind_int64(prog, 1, batch);
    sqlite3_step(prog);
    sqlite3_reset(prog);
    sqlite_exec(db, "COMMIT");
    const double s = std::chrono::duration<double>(Clock::now() - t0).count();
    state.SetIterationTime(s);
    seconds += s;
  }
  for (auto* s : {ins, prog, read}) sqlite3_finalize(s);
  sqlite3_close(db);
  report(state, upsert ? "sqlite/upsert" : "sqlite/append", "twin", seconds, batch);
  remove_db(path);
}

// ---- PostgreSQL ----

rill::test::PostgresServer& server() {
  static rill::test::PostgresServer s(/*fsync=*/true);
  return s;
}

void pg_exec(PGconn* c, const std::string& sql) {
  PGresult* r = PQexec(c, sql.c_str());
  const auto st = PQresultStatus(r);
  PQclear(r);
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && st != PGRES_COPY_IN)
    throw std::runtime_error("postgres: " + sql + ": " + PQerrorMessage(c));
}

void BM_Sink_Postgres_rill(benchmark::State& state) {
  const bool upsert = state.range(0) == 1;
  rill::test::PgClient(server().conninfo())
      .exec(
          "DROP TABLE IF EXISTS rill_t; CREATE TABLE IF NOT EXISTS rill_progress(sink TEXT "
          "PRIMARY KEY, batch_time_ms BIGINT NOT NULL); DELETE FROM rill_progress WHERE sink = "
          "'rill_t'");
  run_rill_sink(state,
                rill::PostgresSink<KV>(server().conninfo(), "rill_t", {"k", "v"},
                                       upsert ? rill::SinkMode::upsert : rill::SinkMode::append),
                upsert, upsert ? "postgres/upsert" : "postgres/append");
}

void BM_Sink_Postgres_twin(benchmark::State& state) {
  const bool upsert = state.range(0) == 1;
  PGconn* c = PQconnectdb(server().conninfo().c_str());
  PQsetNoticeProcessor(
      c, [](void*, const char*) {}, nullptr);
  pg_exec(c,
          "CREATE TABLE IF NOT EXISTS rill_progress(sink TEXT PRIMARY KEY, batch_time_ms "
          "BIGINT NOT NULL)");
  pg_exec(c, "DROP TABLE IF EXISTS twin_t; DELETE FROM rill_progress WHERE sink = 'twin_t'");
  pg_exec(c, upsert ? "CREATE TABLE twin_t(k TEXT PRIMARY KEY, v BIGINT)"
                    : "CREATE TABLE twin_t(k TEXT, v BIGINT)");
  if (upsert) pg_exec(c, "CREATE TEMP TABLE stage(k TEXT, v BIGINT) ON COMMIT DELETE ROWS");
  std::int64_t batch = 0;
  double seconds = 0;
  std::string data;
  for (auto _ : state) {
    const auto rows = batch_rows(++batch, upsert);
    const auto t0 = Clock::now();
    pg_exec(c, "BEGIN");
    pg_exec(c, "SELECT batch_time_ms FROM rill_progress WHERE sink = 'twin_t' FOR UPDATE");
    pg_exec(c, upsert ? "COPY stage(k, v) FROM STDIN" : "COPY twin_t(k, v) FROM STDIN");
    data.clear();
    for (const auto& [k, v] : rows) {  // the keys need no escaping
      data += k;
      data += '\t';
      data += std::to_string(v);
      data += '\n';
      if (data.size() > (1 << 16)) {
        PQputCopyData(c, data.data(), static_cast<int>(data.size()));
        data.clear();
      }
    }
    PQputCopyData(c, data.data(), static_cast<int>(data.size()));
    PQputCopyEnd(c, nullptr);
    while (PGresult* r = PQgetResult(c)) PQclear(r);
    if (upsert)
      pg_exec(c,
              "INSERT INTO twin_t SELECT k, v FROM stage ON CONFLICT(k) DO UPDATE SET v = "
              "excluded.v");
    pg_exec(c, "INSERT INTO rill_progress VALUES('twin_t', " + std::to_string(batch) +
                   ") ON CONFLICT(sink) DO UPDATE SET batch_time_ms = excluded.batch_time_ms");
    pg_exec(c, "COMMIT");
    const double s = std::chrono::duration<double>(Clock::now() - t0).count();
    state.SetIterationTime(s);
    seconds += s;
  }
  PQfinish(c);
  report(state, upsert ? "postgres/upsert" : "postgres/append", "twin", seconds, batch);
}

}  // namespace

// Twins first: the rill case prints its ratio to the twin that ran before it. Arg 0:
// append, 1: upsert (every batch rewrites the same 100 K keys).
BENCHMARK(BM_Sink_Sqlite_twin)
    ->Arg(0)
    ->Arg(1)
    ->UseManualTime()
    ->Iterations(5)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Sink_Sqlite_rill)
    ->Arg(0)
    ->Arg(1)
    ->UseManualTime()
    ->Iterations(5)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Sink_Postgres_twin)
    ->Arg(0)
    ->Arg(1)
    ->UseManualTime()
    ->Iterations(5)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Sink_Postgres_rill)
    ->Arg(0)
    ->Arg(1)
    ->UseManualTime()
    ->Iterations(5)
    ->Unit(benchmark::kMillisecond);
