// rill_fraud_detection: card transactions from NATS JetStream -> per-card velocity checks
// over a sliding window, joined with a static RDD of card limits -> flagged transactions
// in a SQLite table, exactly once (get_or_create + SqliteSink). See examples/README.md.
//
//   rill_fraud_detection [--nats URL] [--db PATH] [--checkpoint DIR] [--transactions N]
//                        [--rate N] [--cards N] [--seed S] [--window-s W] [--max-count K]
//
// Without --nats it starts its own nats-server (-js, a free port, a temp store). It
// publishes N generated transactions at --rate per second to the stream CARDS (subjects
// tx.<card>) while the stream job reads them in 1 s batches, and stops once everything
// published was processed.
#include "fraud_detection.hpp"

#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <rill/rill.hpp>
#include <string>
#include <thread>

#include "nats_server.hpp"  // tests/nats_server.hpp: a nats-server child and a publisher

namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

struct Options {
  std::string nats, db = "fraud.db", checkpoint;
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
  return o;
}

// Batches that brought records, and whether the last ones brought none.
struct Progress final : rill::StreamingListener {
  std::atomic<long> records{0}, idle_batches{0};
  void on_batch_completed(const rill::BatchInfo& b) override {
    records += b.num_records;
    idle_batches = b.num_records == 0 ? idle_batches + 1 : 0;
  }
};

// Prints the ten cards flagged most; returns their rows (0: nothing was flagged).
long print_flagged(const std::string& db) {
  long rows = 0;
  sqlite3* h = nullptr;
  if (sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) return 0;
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(h,
                         "SELECT card, COUNT(*), MAX(window_count), MAX(window_amount), "
                         "MAX(card_limit) FROM flagged GROUP BY card ORDER BY COUNT(*) DESC "
                         "LIMIT 10",
                         -1, &st, nullptr) == SQLITE_OK) {
    std::printf("%-12s %8s %10s %14s %12s\n", "card", "flagged", "max count", "max amount",
                "limit");
    while (sqlite3_step(st) == SQLITE_ROW) {
      rows += sqlite3_column_int64(st, 1);
      std::printf("%-12s %8lld %10lld %14.2f %12.2f\n", sqlite3_column_text(st, 0),
                  sqlite3_column_int64(st, 1), sqlite3_column_int64(st, 2),
                  double(sqlite3_column_int64(st, 3)) / 100,
                  double(sqlite3_column_int64(st, 4)) / 100);
    }
  }
  sqlite3_finalize(st);
  sqlite3_close(h);
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
  rill::test::NatsPublisher publisher(url);
  publisher.add_stream("CARDS", {"tx.>"});
  const auto txs = fraud::generate_transactions(o.transactions, o.cards, o.seed);
  const auto limits = fraud::card_limits(o.cards, o.seed);

  const auto checkpoint =
      o.checkpoint.empty()
          ? (fs::temp_directory_path() / ("rill-fraud-" + std::to_string(::getpid()))).string()
          : o.checkpoint;
  auto ssc = rill::StreamingContext::get_or_create(checkpoint, [&] {
    rill::Context ctx(rill::Config{.parallelism = 2});
    rill::StreamingContext s(ctx, 1s);
    const fraud::Rules rules{
        .window = std::chrono::seconds(o.window_s), .slide = 1s, .max_transactions = o.max_count};
    fraud::flag_transactions(rill::jetstream_direct_stream(s, url, "CARDS", {"tx.>"}),
                             ctx.parallelize(limits, 4), rules)
        .foreach_rdd(rill::SqliteSink<fraud::Flagged>(o.db, "flagged", fraud::kFlaggedColumns,
                                                      rill::SinkMode::append));
    return s;
  });
  Progress progress;
  ssc.add_listener(progress);
  ssc.start();
  std::cout << "publishing " << txs.size() << " transactions at " << o.rate << "/s\n";
  const auto t0 = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < txs.size(); ++i) {
    publisher.publish_async("tx." + txs[i].card, fraud::to_payload(txs[i]));
    if (i % 100 == 99) {
      publisher.flush();
      std::this_thread::sleep_until(t0 + std::chrono::microseconds((i + 1) * 1'000'000 / o.rate));
    }
  }
  publisher.flush();
  // Done once two batches in a row brought nothing after the last publish.
  progress.idle_batches = 0;
  while (progress.idle_batches < 2) {
    if (ssc.await_termination_or_timeout(200ms)) break;
  }
  ssc.stop(true, true);
  std::cout << "read " << progress.records << " transactions in this run; flagged rows in " << o.db
            << " (table flagged), top cards:\n";
  const long flagged = print_flagged(o.db);
  if (o.checkpoint.empty()) fs::remove_all(checkpoint);
  // A fresh run must have read every transaction it published, once.
  if (o.checkpoint.empty() && progress.records != static_cast<long>(txs.size())) {
    std::cerr << "rill_fraud_detection: read " << progress.records << " of " << txs.size()
              << " transactions\n";
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
