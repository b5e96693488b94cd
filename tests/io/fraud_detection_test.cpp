// examples/fraud_detection's pipeline (examples/fraud_detection.hpp) run on a real
// nats-server and a SQLite file, on the manual clock: the flagged rows in the table are
// exactly what a serial reference computes from the same transactions, batch by batch
// (window = the transactions of the last 4 batches per card, count > K or amount above
// the card's limit).
#include "../../examples/fraud_detection.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <rill/rill.hpp>
#include <string>
#include <vector>

#include "nats_server.hpp"

namespace rill::test::fraud_detection_test {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

std::string row(long id, const std::string& card, long amount, long count, long total, long limit) {
  return std::to_string(id) + "|" + card + "|" + std::to_string(amount) + "|" +
         std::to_string(count) + "|" + std::to_string(total) + "|" + std::to_string(limit);
}

std::vector<std::string> table_rows(const fs::path& db) {
  std::vector<std::string> out;
  sqlite3* h = nullptr;
  EXPECT_EQ(sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(h,
                               "SELECT tx_id, card, amount, window_count, window_amount, "
                               "card_limit FROM flagged",
                               -1, &st, nullptr),
            SQLITE_OK);
  while (sqlite3_step(st) == SQLITE_ROW)
    out.push_back(row(sqlite3_column_int64(st, 0),
                      reinterpret_cast<const char*>(sqlite3_column_text(st, 1)),
                      sqlite3_column_int64(st, 2), sqlite3_column_int64(st, 3),
                      sqlite3_column_int64(st, 4), sqlite3_column_int64(st, 5)));
  sqlite3_finalize(st);
  sqlite3_close(h);
  std::sort(out.begin(), out.end());
  return out;
}

// The reference: batch b's window is batches b-3..b; a transaction of b is flagged by its
// card's count and amount in that window.
std::vector<std::string> reference(const std::vector<std::vector<fraud::Transaction>>& batches,
                                   const std::map<std::string, long>& limits, long max_count,
                                   std::size_t window_batches) {
  std::vector<std::string> out;
  for (std::size_t b = 0; b < batches.size(); ++b) {
    std::map<std::string, std::pair<long, long>> stats;
    for (std::size_t w = b + 1 > window_batches ? b + 1 - window_batches : 0; w <= b; ++w)
      for (const auto& t : batches[w]) {
        stats[t.card].first += 1;
        stats[t.card].second += t.amount;
      }
    for (const auto& t : batches[b]) {
      const auto [count, total] = stats[t.card];
      const long limit = limits.at(t.card);
      if (count > max_count || total > limit)
        out.push_back(row(t.id, t.card, t.amount, count, total, limit));
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(FraudDetectionExample, FlaggedRowsEqualTheSerialReference) {
  NatsServer server;
  NatsPublisher pub(server.url());
  pub.add_stream("CARDS", {"tx.>"});
  constexpr int kCards = 400, kBatches = 20;
  const auto txs = fraud::generate_transactions(3000, kCards, 11);
  const auto limit_list = fraud::card_limits(kCards, 11);
  const std::map<std::string, long> limits(limit_list.begin(), limit_list.end());
  std::vector<std::vector<fraud::Transaction>> batches(kBatches);
  for (std::size_t i = 0; i < txs.size(); ++i) batches[i * kBatches / txs.size()].push_back(txs[i]);

  std::string tmpl = (fs::temp_directory_path() / "rill-fraud-XXXXXX").string();
  ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
  const fs::path dir(tmpl), db = dir / "fraud.db";
  {
    Context ctx(Config{.parallelism = 2});
    auto clock = std::make_shared<ManualClock>();
    StreamingContext ssc(ctx, 100ms, clock);
    ssc.checkpoint((dir / "ckpt").string());
    const fraud::Rules rules{.window = 400ms, .slide = 100ms, .max_transactions = 5};
    fraud::flag_transactions(jetstream_direct_stream(ssc, server.url(), "CARDS", {"tx.>"}),
                             ctx.parallelize(limit_list, 3), rules)
        .foreach_rdd(SqliteSink<fraud::Flagged>(db.string(), "flagged", fraud::kFlaggedColumns,
                                                SinkMode::append));
    ssc.start();
    for (int b = 0; b < kBatches; ++b) {
      for (const auto& t : batches[static_cast<std::size_t>(b)])
        pub.publish_async("tx." + t.card, fraud::to_payload(t));
      pub.flush();
      clock->advance(100ms);
      ssc.await_batch_completed(Time{100 * (b + 1)});
    }
    ssc.stop();
  }
  const auto want = reference(batches, limits, 5, 4);
  EXPECT_GT(want.size(), 20u) << "the data must flag something";
  EXPECT_LT(want.size(), txs.size() / 2) << "and not everything";
  EXPECT_EQ(table_rows(db), want);
  std::error_code ec;
  fs::remove_all(dir, ec);
}

}  // namespace rill::test::fraud_detection_test
