// rill_fraud_detection: card transactions from NATS JetStream -> per-card velocity checks
// over a sliding window, joined with a static RDD of card limits -> flagged transactions
// in a PostgreSQL table (or SQLite with --db), exactly once (get_or_create +
// PostgresSink). See examples/README.md.
//
//   rill_fraud_detection [--nats URL] [--pg CONNINFO | --db PATH] [--checkpoint DIR]
//                        [--transactions N] [--rate N] [--cards N] [--seed S]
//                        [--window-s W] [--max-count K]
//
// Without --nats it starts its own nats-server (-js, a free port, a temp store); without
// --pg or --db its own PostgreSQL (initdb + pg_ctl in a temp dir, tests/io/postgres_server.hpp).
// It publishes N generated transactions at --rate per second to the stream CARDS
// (subjects tx.<card>) while the stream job reads them in 1 s batches, and stops once
// everything published was processed.
#include "fraud_detection.hpp"

#include <libpq-fe.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <rill/rill.hpp>
#include <string>
#include <thread>

#include "io/postgres_server.hpp"  // tests/io/postgres_server.hpp: a throwaway PostgreSQL
#include "nats_server.hpp"         // tests/nats_server.hpp: a nats-server child and a publisher

namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

struct Options {
  std::string nats, pg, db, checkpoint;  // pg and db empty: start an own PostgreSQL
  long transactions = 10'000, rate = 500, window_s = 10, max_count = 5;
  int cards = 5'000;
  std::uint32_t seed = 7;
};

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (i + 1 >= argc) throw std::invalid_argument("option " + a + " needs a value");
    const std::string v = argv[++i];
    if (a == "--nats")
      o.nats = v;
    else if (a == "--pg")
      o.pg = v;
    else if (a == "--db")
      o.db = v;
    else if (a == "--checkpoint")
      o.checkpoint = v;
    else if (a == "--transactions")
      o.transactions = std::stol(v);
    else if (a == "--rate")
      o.rate = std::stol(v);
    else if (a == "--cards")
      o.cards = std::stoi(v);
    else if (a == "--seed")
      o.seed = static_cast<std::uint32_t>(std::stoul(v));
    else if (a == "--window-s")
      o.window_s = std::stol(v);
    else if (a == "--max-count")
      o.max_count = std::stol(v);
    else
      throw std::invalid_argument("unknown option " + a);
  }
  if (o.transactions < 1 || o.rate < 1 || o.cards < 1 || o.window_s < 1)
    throw std::invalid_argument("--transactions, --rate, --cards and --window-s must be >= 1");
  if (!o.pg.empty() && !o.db.empty()) throw std::invalid_argument("--pg or --db, not both");
  return o;
}

// The transactions read, counted per batch time by an output of their own (a batch run
// again counts once), and whether the last batches brought none. BatchInfo::num_records
// is not used for the count: on a loaded machine it came out a few records short of what
// the batches held (seen: 1491 of 1500 with all rows written).
struct Progress {
  std::atomic<long> idle_batches{0};
  std::mutex mutex;
  std::map<std::int64_t, long> per_batch;  // batch time (ms) -> transactions; under mutex

  void count(rill::Time t, long n) {
    std::lock_guard lock(mutex);
    per_batch[t.count()] = n;
    idle_batches = n == 0 ? idle_batches + 1 : 0;
  }
  long records() {
    std::lock_guard lock(mutex);
    long n = 0;
    for (const auto& [t, c] : per_batch) n += c;
    return n;
  }
};

// How many messages the stream holds already. The publisher below sends the generated
// transactions in order on one connection, so the stream holds a prefix of them; a run
// restarted after a kill publishes only the rest instead of putting them in twice.
std::uint64_t stored_messages(const std::string& url, const char* stream) {
  natsConnection* nc = nullptr;
  jsCtx* js = nullptr;
  jsStreamInfo* si = nullptr;
  std::uint64_t n = 0;
  if (natsConnection_ConnectTo(&nc, url.c_str()) == NATS_OK &&
      natsConnection_JetStream(&js, nc, nullptr) == NATS_OK &&
      js_GetStreamInfo(&si, js, stream, nullptr, nullptr) == NATS_OK)
    n = si->State.Msgs;
  jsStreamInfo_Destroy(si);
  jsCtx_Destroy(js);
  natsConnection_Destroy(nc);
  return n;
}

constexpr const char* kTopCards =
    "SELECT card, COUNT(*), MAX(window_count), MAX(window_amount), MAX(card_limit) FROM flagged "
    "GROUP BY card ORDER BY COUNT(*) DESC, card LIMIT 10";

void print_header() {
  std::printf("%-12s %8s %10s %14s %12s\n", "card", "flagged", "max count", "max amount", "limit");
}
void print_card(const char* card, long long flagged, long long count, long long amount,
                long long limit) {
  std::printf("%-12s %8lld %10lld %14.2f %12.2f\n", card, flagged, count, double(amount) / 100,
              double(limit) / 100);
}

// Prints the ten cards flagged most; returns the number of flagged rows (0: none).
long print_flagged_sqlite(const std::string& db) {
  long rows = 0;
  sqlite3* h = nullptr;
  if (sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) return 0;
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(h, "SELECT COUNT(*) FROM flagged", -1, &st, nullptr) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW)
    rows = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  st = nullptr;
  if (sqlite3_prepare_v2(h, kTopCards, -1, &st, nullptr) == SQLITE_OK) {
    print_header();
    while (sqlite3_step(st) == SQLITE_ROW)
      print_card(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)),
                 sqlite3_column_int64(st, 1), sqlite3_column_int64(st, 2),
                 sqlite3_column_int64(st, 3), sqlite3_column_int64(st, 4));
  }
  sqlite3_finalize(st);
  sqlite3_close(h);
  return rows;
}

long print_flagged_postgres(const std::string& conninfo) {
  long rows = 0;
  PGconn* c = PQconnectdb(conninfo.c_str());
  PGresult* r = PQexec(c, "SELECT COUNT(*) FROM flagged");
  if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
    rows = std::stol(PQgetvalue(r, 0, 0));
  PQclear(r);
  r = PQexec(c, kTopCards);
  if (PQresultStatus(r) == PGRES_TUPLES_OK) {
    print_header();
    for (int i = 0; i < PQntuples(r); ++i)
      print_card(PQgetvalue(r, i, 0), std::stoll(PQgetvalue(r, i, 1)),
                 std::stoll(PQgetvalue(r, i, 2)), std::stoll(PQgetvalue(r, i, 3)),
                 std::stoll(PQgetvalue(r, i, 4)));
  }
  PQclear(r);
  PQfinish(c);
  return rows;
}

int run(const Options& o) {
  std::unique_ptr<rill::test::NatsServer> own_server;
  std::string url = o.nats;
  if (url.empty()) {
    own_server = std::make_unique<rill::test::NatsServer>();
    url = own_server->url();
    std::cout << "started nats-server at " << url << "\n";
  }
  // The sink's database: SQLite with --db, else PostgreSQL (an own server without --pg).
  std::unique_ptr<rill::test::PostgresServer> own_pg;
  std::string conninfo = o.pg;
  if (o.db.empty() && conninfo.empty()) {
    std::cout << "starting PostgreSQL (initdb + pg_ctl in a temp dir) ..." << std::endl;
    own_pg = std::make_unique<rill::test::PostgresServer>();
    conninfo = own_pg->conninfo();
    std::cout << "started PostgreSQL: " << conninfo << "\n";
  }
  rill::test::NatsPublisher publisher(url);
  publisher.add_stream("CARDS", {"tx.>"});
  const auto txs = fraud::generate_transactions(o.transactions, o.cards, o.seed);
  const auto limits = fraud::card_limits(o.cards, o.seed);

  const auto checkpoint =
      o.checkpoint.empty()
          ? (fs::temp_directory_path() / ("rill-fraud-" + std::to_string(::getpid()))).string()
          : o.checkpoint;
  Progress progress;
  auto ssc = rill::StreamingContext::get_or_create(checkpoint, [&] {
    rill::Context ctx(rill::Config{.parallelism = 2});
    rill::StreamingContext s(ctx, 1s);
    const fraud::Rules rules{
        .window = std::chrono::seconds(o.window_s), .slide = 1s, .max_transactions = o.max_count};
    const auto transactions =
        rill::jetstream_direct_stream(s, url, "CARDS");  // the whole stream: one partition
    transactions.foreach_rdd([&progress](const auto& rdd, rill::Time t) {
      progress.count(t, static_cast<long>(rdd.count()));
    });
    auto flagged = fraud::flag_transactions(transactions, ctx.parallelize(limits, 4), rules);
    // Both sinks take the same arguments and commit each batch with its batch time.
    if (o.db.empty())
      flagged.foreach_rdd(rill::PostgresSink<fraud::Flagged>(
          conninfo, "flagged", fraud::kFlaggedColumns, rill::SinkMode::append));
    else
      flagged.foreach_rdd(rill::SqliteSink<fraud::Flagged>(o.db, "flagged", fraud::kFlaggedColumns,
                                                           rill::SinkMode::append));
    return s;
  });
  ssc.start();
  const auto first = std::min<std::size_t>(stored_messages(url, "CARDS"), txs.size());
  if (first > 0) std::cout << "the stream holds the first " << first << " transactions already\n";
  std::cout << "publishing " << txs.size() - first << " transactions at " << o.rate << "/s\n";
  const auto t0 = std::chrono::steady_clock::now();
  for (std::size_t i = first; i < txs.size(); ++i) {
    publisher.publish_async("tx." + txs[i].card, fraud::to_payload(txs[i]));
    if (i % 100 == 99) {
      publisher.flush();
      std::this_thread::sleep_until(
          t0 + std::chrono::microseconds((i + 1 - first) * 1'000'000 / o.rate));
    }
  }
  publisher.flush();
  // A fresh run is done once it read everything it published. A batch can come back
  // empty while the rest is still due (a JetStream timeout on a loaded machine retries the
  // range in the next batch), so empty batches end it only after 20 s; a restarted run,
  // which re-read part of the stream before, ends after 3 empty batches.
  const long published = static_cast<long>(txs.size());
  const long idle_limit = o.checkpoint.empty() ? 20 : 3;
  progress.idle_batches = 0;
  while (!(o.checkpoint.empty() && progress.records() >= published) &&
         progress.idle_batches < idle_limit) {
    if (ssc.await_termination_or_timeout(200ms)) break;
  }
  ssc.stop(true, true);
  const std::string where = o.db.empty() ? "PostgreSQL " + conninfo : o.db;
  std::cout << "read " << progress.records() << " transactions in this run; flagged rows in "
            << where << " (table flagged), top cards:\n";
  const long flagged = o.db.empty() ? print_flagged_postgres(conninfo) : print_flagged_sqlite(o.db);
  std::cout << flagged << " flagged rows; look at them with\n  "
            << (o.db.empty() ? "psql \"" + conninfo + "\" -c" : "sqlite3 " + o.db)
            << " 'SELECT * FROM flagged ORDER BY tx_id LIMIT 20'\n";
  // The own server goes away with this process: keep it while someone at a terminal looks.
  if (own_pg && ::isatty(0)) {
    std::cout << "PostgreSQL stays up until you press Enter." << std::endl;
    std::string line;
    std::getline(std::cin, line);
  }
  if (o.checkpoint.empty()) fs::remove_all(checkpoint);
  // A fresh run must have read every transaction it published, once.
  if (o.checkpoint.empty() && progress.records() != published) {
    std::cerr << "rill_fraud_detection: read " << progress.records() << " of " << txs.size()
              << " transactions (the stream holds " << stored_messages(url, "CARDS") << ")\n";
    return 1;
  }
  return flagged > 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(parse(argc, argv));
  } catch (const std::exception& e) {
    std::cerr << "rill_fraud_detection: " << e.what() << "\n";
    return 1;
  }
}
