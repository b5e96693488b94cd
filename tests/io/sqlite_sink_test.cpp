// SqliteSink against a plain reference: what the table holds after each batch is what a
// serial loop over the same elements says, and a batch time that comes again (a re-run
// after a crash) adds nothing.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <map>
#include <memory>
#include <rill/rill.hpp>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "io/sql_reference.hpp"
#include "sqlite_rows.hpp"

namespace rill::test::sqlite_sink_test {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

template <class T>
std::vector<std::string> reference_rows(const std::vector<T>& elements) {
  return sql_reference_rows<SqlDialect::sqlite>(elements);
}

// ---- reading the database back, through a connection of its own ----

class Db {
 public:
  explicit Db(const fs::path& path) {
    if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) throw std::runtime_error("test: open");
  }
  ~Db() { sqlite3_close(db_); }
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  void exec(const std::string& sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err ? err : "?";
      sqlite3_free(err);
      throw std::runtime_error("test: " + sql + ": " + msg);
    }
  }

  // Every row of the query as `a|b|c`, sorted.
  std::vector<std::string> rows(const std::string& sql) { return sqlite_rows(db_, sql); }

 private:
  sqlite3* db_ = nullptr;
};

class SqliteSinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        fs::temp_directory_path() /
        ("rill_sqlite_sink_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
         "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    db_path_ = (dir_ / "out.db").string();
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::vector<std::string> table(const std::string& name) {
    return Db(db_path_).rows("SELECT * FROM \"" + name + "\"");
  }

  Context ctx_{Config{.parallelism = 2}};
  fs::path dir_;
  std::string db_path_;
};

TEST_F(SqliteSinkTest, AppendsPairsWithEmptyOneAndManyPartitions) {
  for (std::size_t n : {0, 1, 5000}) {
    for (std::int64_t parts : {1, 3, 16}) {
      std::vector<std::pair<std::string, long>> data;
      for (std::size_t i = 0; i < n; ++i) data.emplace_back("k" + std::to_string(i % 97), i);
      const std::string name = "pairs_" + std::to_string(n) + "_" + std::to_string(parts);
      SqliteSink<std::pair<std::string, long>> sink(db_path_, name, {"word", "n"});
      sink(ctx_.parallelize(data, parts), Time{100});
      EXPECT_EQ(table(name), reference_rows(data)) << name;
      EXPECT_EQ(sink.committed_batch_time(), Time{100}) << name;
    }
  }
}

TEST_F(SqliteSinkTest, AppendsTuplesNestedPairsAndScalarsWithTheirColumnTypes) {
  using Row = std::tuple<std::int64_t, std::string, double, bool>;
  std::vector<Row> rows;
  for (int i = 0; i < 300; ++i)
    rows.emplace_back(i * 3 - 100, "s" + std::to_string(i), i * 0.25, i % 2);
  SqliteSink<Row>(db_path_, "tuples", {"id", "name", "score", "flag"})(ctx_.parallelize(rows, 4),
                                                                       Time{1});
  EXPECT_EQ(table("tuples"), reference_rows(rows));
  EXPECT_EQ(Db(db_path_).rows("SELECT DISTINCT typeof(id), typeof(name), typeof(score), "
                              "typeof(flag) FROM tuples"),
            std::vector<std::string>{"integer|text|real|integer"});

  using Nested = std::pair<std::string, std::pair<int, double>>;
  std::vector<Nested> nested{{"a", {1, 0.5}}, {"b", {-2, 3.0}}, {"c", {7, -1.75}}};
  SqliteSink<Nested>(db_path_, "nested", {"k", "i", "d"})(ctx_.parallelize(nested, 2), Time{1});
  EXPECT_EQ(table("nested"), reference_rows(nested));

  std::vector<std::string> words{"x", "y", "it's", "\"quoted\"", ""};
  SqliteSink<std::string>(db_path_, "words", {"w"})(ctx_.parallelize(words, 3), Time{1});
  EXPECT_EQ(table("words"), reference_rows(words));

  std::vector<int> ints{5, -1, 0, 42};
  SqliteSink<int>(db_path_, "ints", {"v"})(ctx_.parallelize(ints, 7), Time{1});
  EXPECT_EQ(table("ints"), reference_rows(ints));
}

TEST_F(SqliteSinkTest, UpsertKeepsEachKeysNewestValue) {
  using KV = std::pair<std::string, long>;
  SqliteSink<KV> sink(db_path_, "totals", {"k", "v"}, SinkMode::upsert);
  std::map<std::string, long> reference;
  const std::vector<std::vector<KV>> batches{
      {{"a", 1}, {"b", 2}}, {}, {{"b", 5}, {"c", 3}}, {{"a", 9}, {"d", 0}, {"c", 4}}};
  for (std::size_t b = 0; b < batches.size(); ++b) {
    for (std::int64_t parts : {1, 4}) {
      // Each batch offered twice (as a re-run would): the second time writes nothing.
      sink(ctx_.parallelize(batches[b], parts), Time{static_cast<std::int64_t>(b + 1) * 10});
    }
    for (const auto& [k, v] : batches[b]) reference[k] = v;
    EXPECT_EQ(table("totals"), reference_rows(std::vector<KV>(reference.begin(), reference.end())))
        << "after batch " << b;
  }

  // A composite key: the first two columns.
  using Row = std::tuple<std::string, int, double>;
  SqliteSink<Row> two(db_path_, "by_two", {"a", "b", "x"}, SinkMode::upsert, 2);
  two(ctx_.parallelize(std::vector<Row>{{"p", 1, 1.5}, {"p", 2, 2.5}}, 2), Time{1});
  two(ctx_.parallelize(std::vector<Row>{{"p", 2, 9.0}, {"q", 1, 0.5}}, 2), Time{2});
  EXPECT_EQ(table("by_two"),
            reference_rows(std::vector<Row>{{"p", 1, 1.5}, {"p", 2, 9.0}, {"q", 1, 0.5}}));

  // Every column in the key: a set, rows already there are left alone.
  SqliteSink<std::string> set(db_path_, "seen", {"w"}, SinkMode::upsert);
  set(ctx_.parallelize(std::vector<std::string>{"a", "b", "a"}, 2), Time{1});
  set(ctx_.parallelize(std::vector<std::string>{"b", "c"}, 2), Time{2});
  EXPECT_EQ(table("seen"), (std::vector<std::string>{"a", "b", "c"}));
}

TEST_F(SqliteSinkTest, ARepeatedBatchTimeWritesNothingTwiceAlsoAfterARestart) {
  std::vector<long> batch1{1, 2, 3}, batch2{4, 5}, batch3{6};
  {
    SqliteSink<long> sink(db_path_, "events", {"v"});
    sink(ctx_.parallelize(batch1, 2), Time{100});
    sink(ctx_.parallelize(batch1, 2), Time{100});  // the same batch again
    sink(ctx_.parallelize(batch2, 1), Time{50});   // older than what is committed
    EXPECT_EQ(table("events"), reference_rows(batch1));
  }
  // The process dies and is rebuilt: a new sink object on the same file. The batch that
  // was running at the crash (100, committed) runs again, then the next ones.
  SqliteSink<long> sink(db_path_, "events", {"v"});
  EXPECT_EQ(sink.committed_batch_time(), Time{100});
  sink(ctx_.parallelize(batch1, 3), Time{100});
  sink(ctx_.parallelize(batch2, 3), Time{200});
  sink(ctx_.parallelize(batch2, 3), Time{200});
  EXPECT_EQ(table("events"), reference_rows(std::vector<long>{1, 2, 3, 4, 5}));

  // A batch that fails half way (a value SQL cannot hold, after good ones) leaves nothing:
  // neither rows nor progress, so its re-run writes it whole, once.
  SqliteSink<unsigned long long> big(db_path_, "big", {"v"});
  std::vector<unsigned long long> bad{1, 2, 1ULL << 63, 3};
  EXPECT_THROW(big(ctx_.parallelize(bad, 1), Time{300}), std::out_of_range);
  EXPECT_EQ(table("big"), std::vector<std::string>{});
  EXPECT_EQ(big.committed_batch_time(), std::nullopt);
  std::vector<unsigned long long> good{1, 2, 3};
  big(ctx_.parallelize(good, 2), Time{300});
  big(ctx_.parallelize(good, 2), Time{300});
  EXPECT_EQ(table("big"), reference_rows(good));

  // Progress is per sink id: a second output into the same table keeps its own.
  SqliteSink<long> other(db_path_, "events", {"v"}, SinkMode::append, 1, "events_copy");
  other(ctx_.parallelize(batch3, 1), Time{100});
  EXPECT_EQ(table("events"), reference_rows(std::vector<long>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(Db(db_path_).rows("SELECT * FROM rill_progress"),
            (std::vector<std::string>{"big|300", "events_copy|100", "events|200"}));
}

TEST_F(SqliteSinkTest, WindowedCountsFromForeachRddSurviveARunThatIsReplayed) {
  using KV = std::pair<std::string, long>;
  const std::vector<std::vector<std::string>> words{
      {"a", "b", "a"}, {"c"}, {}, {"a", "c", "c", "d"}, {"b"}, {}, {}, {"e", "a"}};
  constexpr Duration interval = 100ms;
  constexpr std::size_t crash_after = 5;  // batches the first run completes

  // What the tables must hold once batches 0..b have been written once each.
  auto expected_windows = [&](std::size_t b) {
    std::map<std::string, long> counts;  // every key seen, with its count over the window
    for (std::size_t i = 0; i <= b; ++i)
      for (const auto& w : words[i]) counts.try_emplace(w, 0);
    for (std::size_t i = b >= 2 ? b - 2 : 0; i <= b; ++i)
      for (const auto& w : words[i]) ++counts[w];
    return reference_rows(std::vector<KV>(counts.begin(), counts.end()));
  };
  auto expected_words = [&](std::size_t b) {
    std::vector<std::string> all;
    for (std::size_t i = 0; i <= b; ++i) all.insert(all.end(), words[i].begin(), words[i].end());
    return reference_rows(all);
  };

  // One process: a ManualClock context from time 0 over the same input, with the window
  // counts upserted and the raw words appended (where a duplicate would show).
  auto run = [&](std::size_t batches, const std::string& ckpt, std::size_t already_written) {
    auto clock = std::make_shared<ManualClock>();
    StreamingContext ssc(ctx_, interval, clock);
    ssc.checkpoint((dir_ / ckpt).string());
    std::deque<Rdd<std::string>> queue;
    for (const auto& b : words) queue.push_back(ctx_.parallelize(b, 2));
    auto in = ssc.queue_stream(queue);
    in.map([](const std::string& w) {
        return KV{w, 1L};
      })
        .reduce_by_key_and_window(std::plus<>{}, std::minus<>{}, 3 * interval, interval)
        .foreach_rdd(SqliteSink<KV>(db_path_, "window_counts", {"word", "n"}, SinkMode::upsert));
    in.foreach_rdd(SqliteSink<std::string>(db_path_, "words", {"w"}));
    ssc.start();
    for (std::size_t b = 0; b < batches; ++b) {
      clock->advance(interval);
      ssc.await_batch_completed(clock->now());
      // A replayed batch writes nothing: the tables stay as the first run left them.
      const std::size_t newest = std::max(b + 1, already_written) - 1;
      EXPECT_EQ(table("window_counts"), expected_windows(newest)) << "after batch " << b;
      EXPECT_EQ(table("words"), expected_words(newest)) << "after batch " << b;
    }
    ssc.stop(false, false);
  };
  run(crash_after, "ckpt1", 0);
  // The process is rebuilt and runs every batch again from the start, as a restart
  // without a checkpoint would: only the batches after the crash are written.
  run(words.size(), "ckpt2", crash_after);
  EXPECT_EQ(Db(db_path_).rows("SELECT * FROM rill_progress"),
            (std::vector<std::string>{"window_counts|" + std::to_string(words.size() * 100),
                                      "words|" + std::to_string(words.size() * 100)}));
}

TEST_F(SqliteSinkTest, ConcurrentSinksOnOneFileTakeTurns) {
  // Two connections writing the same file at once: BEGIN IMMEDIATE plus the busy timeout
  // make them wait for each other instead of failing.
  auto run = [&](const std::string& name) {
    SqliteSink<std::pair<int, int>> sink(db_path_, name, {"batch", "i"});
    for (int b = 1; b <= 20; ++b) {
      std::vector<std::pair<int, int>> rows;
      for (int i = 0; i < 50; ++i) rows.emplace_back(b, i);
      sink(ctx_.parallelize(rows, 2), Time{b});
    }
  };
  std::thread t1(run, "left"), t2(run, "right");
  t1.join();
  t2.join();
  for (const char* name : {"left", "right"})
    EXPECT_EQ(Db(db_path_).rows(std::string("SELECT count(*) FROM ") + name),
              std::vector<std::string>{"1000"});
}

TEST_F(SqliteSinkTest, ADatabaseLockedPastTheBusyTimeoutFailsTheBatchAndItsRerunWritesItOnce) {
  // SQLite's "database down": another process holds the write lock longer than the 5 s
  // busy timeout. The batch fails with an error naming the file, writes nothing, and the
  // re-run of the same batch time (as after a failed job) writes it once.
  SqliteSink<long> sink(db_path_, "locked", {"v"});
  sink(ctx_.parallelize(std::vector<long>{1, 2}, 1), Time{10});
  {
    Db other(db_path_);
    other.exec("BEGIN EXCLUSIVE");
    std::string error = "no exception";
    try {
      sink(ctx_.parallelize(std::vector<long>{3, 4}, 2), Time{20});
    } catch (const std::runtime_error& e) {
      error = e.what();
    }
    EXPECT_NE(error.find(db_path_), std::string::npos) << error;
    EXPECT_NE(error.find("database is locked"), std::string::npos) << error;
    other.exec("ROLLBACK");
  }
  EXPECT_EQ(table("locked"), reference_rows(std::vector<long>{1, 2}));
  EXPECT_EQ(sink.committed_batch_time(), Time{10});
  sink(ctx_.parallelize(std::vector<long>{3, 4}, 2), Time{20});
  sink(ctx_.parallelize(std::vector<long>{3, 4}, 2), Time{20});
  EXPECT_EQ(table("locked"), reference_rows(std::vector<long>{1, 2, 3, 4}));
}

TEST_F(SqliteSinkTest, BadColumnsSchemasAndPathsAreErrorsNamingThem) {
  using KV = std::pair<std::string, long>;
  auto message = [](auto make) -> std::string {
    try {
      make();
    } catch (const std::exception& e) {
      return e.what();
    }
    return "no exception";
  };
  auto expect_has = [](const std::string& msg, const std::string& part) {
    EXPECT_NE(msg.find(part), std::string::npos) << "'" << part << "' not in: " << msg;
  };

  EXPECT_THROW((SqliteSink<KV>(db_path_, "t", {"a"})), std::invalid_argument);
  const auto count = message([&] { SqliteSink<KV>(db_path_, "t", {"a", "b", "c"}); });
  expect_has(count, "3 column names");
  expect_has(count, "2 columns");
  EXPECT_THROW((SqliteSink<KV>(db_path_, "t", {"a", "a"})), std::invalid_argument);
  EXPECT_THROW((SqliteSink<KV>(db_path_, "t", {"a", "b"}, SinkMode::upsert, 0)),
               std::invalid_argument);
  EXPECT_THROW((SqliteSink<KV>(db_path_, "t", {"a", "b"}, SinkMode::upsert, 3)),
               std::invalid_argument);

  const std::string missing_dir = (dir_ / "no" / "such" / "dir" / "x.db").string();
  EXPECT_THROW((SqliteSink<KV>(missing_dir, "t", {"a", "b"})), std::runtime_error);
  expect_has(message([&] { SqliteSink<KV>(missing_dir, "t", {"a", "b"}); }), missing_dir);
  const std::string a_dir = dir_.string();
  expect_has(message([&] { SqliteSink<KV>(a_dir, "t", {"a", "b"}); }), a_dir);

  Db(db_path_).exec("CREATE TABLE hand(word VARCHAR(20), n BIGINT)");
  SqliteSink<KV>(db_path_, "hand", {"word", "n"});  // other spellings of the same types are fine
  const auto renamed = message([&] { SqliteSink<KV>(db_path_, "hand", {"word", "count"}); });
  expect_has(renamed, "hand");
  expect_has(renamed, "'count'");
  const auto retyped = message([&] {
    SqliteSink<std::pair<std::string, std::string>>(db_path_, "hand", {"word", "n"});
  });
  expect_has(retyped, "hand");
  expect_has(retyped, "'n'");
  EXPECT_THROW((SqliteSink<std::string>(db_path_, "hand", {"word"})), std::runtime_error);
  EXPECT_THROW(
      (SqliteSink<std::tuple<std::string, long, int>>(db_path_, "hand", {"word", "n", "x"})),
      std::runtime_error);
  // An upsert needs the key to be unique in the table.
  const auto no_key = message([&] {
    SqliteSink<KV>(db_path_, "hand", {"word", "n"}, SinkMode::upsert);
  });
  expect_has(no_key, "hand");
  expect_has(no_key, "PRIMARY KEY");
}

}  // namespace rill::test::sqlite_sink_test
