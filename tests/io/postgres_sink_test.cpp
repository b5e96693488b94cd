// PostgresSink against a plain reference, on a PostgreSQL server the suite starts itself:
// the table after each batch is what a serial loop over the same elements says; a batch
// time that comes again adds nothing; a server that is down, restarts between batches or
// drops the connection in the middle of a batch loses no row and duplicates none.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <rill/rill.hpp>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "io/postgres_server.hpp"
#include "io/sql_reference.hpp"

namespace rill::test::postgres_sink_test {

using namespace std::chrono_literals;
using KV = std::pair<std::string, long>;

template <class T>
std::vector<std::string> pg_rows(const std::vector<T>& elements) {
  return sql_reference_rows<SqlDialect::postgres>(elements);
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "no exception";
}
#define EXPECT_HAS(msg, part)                               \
  EXPECT_NE(std::string(msg).find(part), std::string::npos) \
      << "'" << (part) << "' not in: " << (msg)

class PostgresSinkTest : public ::testing::Test {
 protected:
  // One server for the suite: initdb costs seconds.
  static void SetUpTestSuite() {
    try {
      server_ = new PostgresServer();
    } catch (const std::exception& e) {
      start_error_ = e.what();
    }
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  void SetUp() override {
    ASSERT_NE(server_, nullptr) << start_error_;
    // Tables of earlier tests (or an earlier run's) would hold rows and progress.
    PgClient(conninfo()).exec("DROP SCHEMA public CASCADE; CREATE SCHEMA public");
  }

  static std::string conninfo() { return server_->conninfo(); }
  std::vector<std::string> table(const std::string& name) {
    return PgClient(conninfo()).rows("SELECT * FROM \"" + name + "\"");
  }

  Context ctx_{Config{.parallelism = 2}};
  static inline PostgresServer* server_ = nullptr;
  static inline std::string start_error_;
};

TEST_F(PostgresSinkTest, AppendsElementShapesWithTheirColumnTypes) {
  for (std::size_t n : {0, 1, 5000}) {
    std::vector<KV> data;
    for (std::size_t i = 0; i < n; ++i) data.emplace_back("k" + std::to_string(i % 97), i);
    const std::string name = "pairs_" + std::to_string(n);
    PostgresSink<KV> sink(conninfo(), name, {"word", "n"});
    EXPECT_EQ(sink.committed_batch_time(), std::nullopt);
    sink(ctx_.parallelize(data, 3), Time{100});
    EXPECT_EQ(table(name), pg_rows(data)) << name;
    EXPECT_EQ(sink.committed_batch_time(), Time{100}) << name;
  }

  using Row = std::tuple<std::int64_t, std::string, double, bool>;
  std::vector<Row> rows;
  for (int i = 0; i < 300; ++i)
    rows.emplace_back(i * 3 - 100, "s" + std::to_string(i), i * 0.25 - 7.1, i % 2);
  // Text the COPY format must escape, and doubles at the edges.
  rows.emplace_back(1, "tab\there\nnew line\\ back\rslash \"q\" 'a' \xc3\xa9", 1e300, true);
  rows.emplace_back(2, "", -0.0, false);
  rows.emplace_back(3, "x", 5e-324, false);
  PostgresSink<Row>(conninfo(), "tuples", {"id", "name", "score", "flag"})(
      ctx_.parallelize(rows, 4), Time{1});
  // PostgreSQL prints the shortest form that reads back: the doubles compare as numbers.
  EXPECT_EQ(PgClient(conninfo()).rows("SELECT count(*) FROM tuples"),
            std::vector<std::string>{std::to_string(rows.size())});
  EXPECT_EQ(PgClient(conninfo())
                .rows("SELECT id, name, flag FROM tuples WHERE name LIKE 'tab%' OR name = ''"),
            (std::vector<std::string>{"1|tab\there\nnew line\\ back\rslash \"q\" 'a' \xc3\xa9|1",
                                      "2||0"}));
  auto back = PgClient(conninfo()).rows("SELECT score::text FROM tuples");
  ASSERT_EQ(back.size(), rows.size());
  std::vector<double> a, b;
  for (const auto& s : back) a.push_back(std::strtod(s.c_str(), nullptr));
  for (const auto& r : rows) b.push_back(std::get<2>(r));
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  EXPECT_EQ(a, b);  // exact: the sink writes each double in a form that reads back the same
  EXPECT_EQ(
      PgClient(conninfo())
          .rows("SELECT column_name || ' ' || data_type FROM information_schema.columns WHERE "
                "table_name = 'tuples'"),
      (std::vector<std::string>{"flag bigint", "id bigint", "name text",
                                "score double precision"}));

  using Nested = std::pair<std::string, std::pair<int, double>>;
  std::vector<Nested> nested{{"a", {1, 0.5}}, {"b", {-2, 3.0}}, {"c", {7, -1.75}}};
  PostgresSink<Nested>(conninfo(), "nested", {"k", "i", "d"})(ctx_.parallelize(nested, 2), Time{1});
  EXPECT_EQ(table("nested"), pg_rows(nested));
}

TEST_F(PostgresSinkTest, UpsertKeepsEachKeysNewestValue) {
  PostgresSink<KV> sink(conninfo(), "totals", {"k", "v"}, SinkMode::upsert);
  std::map<std::string, long> reference;
  // The last batch has a key twice: the later element wins, as in a serial loop.
  const std::vector<std::vector<KV>> batches{
      {{"a", 1}, {"b", 2}}, {}, {{"b", 5}, {"c", 3}}, {{"a", 9}, {"d", 0}, {"c", 4}, {"a", 11}}};
  for (std::size_t b = 0; b < batches.size(); ++b) {
    for (std::int64_t parts : {1, 4})  // offered twice, as a re-run would: once written
      sink(ctx_.parallelize(batches[b], parts), Time{static_cast<std::int64_t>(b + 1) * 10});
    for (const auto& [k, v] : batches[b]) reference[k] = v;
    EXPECT_EQ(table("totals"), pg_rows(std::vector<KV>(reference.begin(), reference.end())))
        << "after batch " << b;
  }

  using Row = std::tuple<std::string, int, double>;
  PostgresSink<Row> two(conninfo(), "by_two", {"a", "b", "x"}, SinkMode::upsert, 2);
  two(ctx_.parallelize(std::vector<Row>{{"p", 1, 1.5}, {"p", 2, 2.5}}, 2), Time{1});
  two(ctx_.parallelize(std::vector<Row>{{"p", 2, 9.0}, {"q", 1, 0.5}}, 2), Time{2});
  EXPECT_EQ(table("by_two"),
            pg_rows(std::vector<Row>{{"p", 1, 1.5}, {"p", 2, 9.0}, {"q", 1, 0.5}}));

  PostgresSink<std::string> set(conninfo(), "seen", {"w"}, SinkMode::upsert);
  set(ctx_.parallelize(std::vector<std::string>{"a", "b", "a"}, 2), Time{1});
  set(ctx_.parallelize(std::vector<std::string>{"b", "c"}, 2), Time{2});
  EXPECT_EQ(table("seen"), (std::vector<std::string>{"a", "b", "c"}));
}

TEST_F(PostgresSinkTest, ARepeatedBatchTimeWritesNothingTwiceAlsoAfterARestart) {
  std::vector<long> batch1{1, 2, 3}, batch2{4, 5}, batch3{6};
  {
    PostgresSink<long> sink(conninfo(), "events", {"v"});
    sink(ctx_.parallelize(batch1, 2), Time{100});
    sink(ctx_.parallelize(batch1, 2), Time{100});
    sink(ctx_.parallelize(batch2, 1), Time{50});  // older than what is committed
    EXPECT_EQ(table("events"), pg_rows(batch1));
  }
  PostgresSink<long> sink(conninfo(), "events", {"v"});  // a new process, the same table
  EXPECT_EQ(sink.committed_batch_time(), Time{100});
  sink(ctx_.parallelize(batch1, 3), Time{100});
  sink(ctx_.parallelize(batch2, 3), Time{200});
  sink(ctx_.parallelize(batch2, 3), Time{200});
  EXPECT_EQ(table("events"), pg_rows(std::vector<long>{1, 2, 3, 4, 5}));

  // A batch that fails half way leaves neither rows nor progress: its re-run writes it once.
  PostgresSink<unsigned long long> big(conninfo(), "big", {"v"});
  const auto too_big = error_of([&] {
    big(ctx_.parallelize(std::vector<unsigned long long>{1, 2, 1ULL << 63, 3}, 1), Time{300});
  });
  EXPECT_HAS(too_big, "'v'");
  EXPECT_HAS(too_big, "9223372036854775808");
  PostgresSink<std::string> text(conninfo(), "texts", {"s"});
  const auto nul = error_of([&] {
    text(ctx_.parallelize(std::vector<std::string>{"ok", std::string("a\0b", 3)}, 1), Time{300});
  });
  EXPECT_HAS(nul, "'s'");
  EXPECT_HAS(nul, "NUL");
  const auto utf8 = error_of([&] {
    text(ctx_.parallelize(std::vector<std::string>{"ok", "\xff\xfe"}, 1), Time{300});
  });
  EXPECT_HAS(utf8, "texts");
  EXPECT_HAS(utf8, "UTF8");
  EXPECT_EQ(table("big"), std::vector<std::string>{});
  EXPECT_EQ(table("texts"), std::vector<std::string>{});
  EXPECT_EQ(big.committed_batch_time(), std::nullopt);
  big(ctx_.parallelize(std::vector<unsigned long long>{1, 2, 3}, 2), Time{300});
  big(ctx_.parallelize(std::vector<unsigned long long>{1, 2, 3}, 2), Time{300});
  EXPECT_EQ(table("big"), (std::vector<std::string>{"1", "2", "3"}));

  PostgresSink<long> other(conninfo(), "events", {"v"}, SinkMode::append, 1, "events_copy");
  other(ctx_.parallelize(batch3, 1), Time{100});
  EXPECT_EQ(table("events"), pg_rows(std::vector<long>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(PgClient(conninfo()).rows("SELECT * FROM rill_progress"),
            (std::vector<std::string>{"big|300", "events_copy|100", "events|200"}));
}

TEST_F(PostgresSinkTest, AServerThatIsDownOrABadConnectionStringIsAnErrorNamingIt) {
  // A port nothing listens on: the sink is made at start-up, so that is where it fails.
  const int dead_port = server_->port() == 65000 ? 65001 : 65000;
  const auto down = error_of([&] {
    PostgresSink<KV>("host=127.0.0.1 port=" + std::to_string(dead_port) + " dbname=shop", "t",
                     {"a", "b"});
  });
  EXPECT_HAS(down, "127.0.0.1");
  EXPECT_HAS(down, std::to_string(dead_port));
  EXPECT_HAS(down, "shop");
  EXPECT_THROW((PostgresSink<KV>("postgresql://127.0.0.1:" + std::to_string(dead_port) + "/x", "t",
                                 {"a", "b"})),
               std::runtime_error);
  EXPECT_THROW((PostgresSink<KV>("host=127.0.0.1 bogus_option=1", "t", {"a", "b"})),
               std::invalid_argument);
  EXPECT_HAS(error_of([&] {
               PostgresSink<KV>("host=127.0.0.1 bogus_option=1", "t", {"a", "b"});
             }),
             "bogus_option");
  // The URI form works as well as key=value.
  PostgresSink<KV>("postgresql://rill@127.0.0.1:" + std::to_string(server_->port()) + "/postgres",
                   "uri", {"a", "b"})(ctx_.parallelize(std::vector<KV>{{"x", 1}}, 1), Time{1});
  EXPECT_EQ(table("uri"), std::vector<std::string>{"x|1"});
}

TEST_F(PostgresSinkTest, BadColumnsAndSchemasAreErrorsNamingThem) {
  EXPECT_THROW((PostgresSink<KV>(conninfo(), "t", {"a"})), std::invalid_argument);
  EXPECT_HAS(error_of([&] {
               PostgresSink<KV>(conninfo(), "t", {"a", "b", "c"});
             }),
             "3 column names");
  EXPECT_THROW((PostgresSink<KV>(conninfo(), "t", {"a", "a"})), std::invalid_argument);
  EXPECT_THROW((PostgresSink<KV>(conninfo(), "t", {"a", "b"}, SinkMode::upsert, 3)),
               std::invalid_argument);

  PgClient(conninfo()).exec("CREATE TABLE hand(word VARCHAR(20), n INTEGER)");
  PostgresSink<KV>(conninfo(), "hand", {"word", "n"});  // other spellings of the types are fine
  const auto renamed = error_of([&] { PostgresSink<KV>(conninfo(), "hand", {"word", "count"}); });
  EXPECT_HAS(renamed, "hand");
  EXPECT_HAS(renamed, "'count'");
  EXPECT_HAS(renamed, "127.0.0.1");
  const auto retyped = error_of([&] {
    PostgresSink<std::pair<std::string, std::string>>(conninfo(), "hand", {"word", "n"});
  });
  EXPECT_HAS(retyped, "'n'");
  EXPECT_HAS(retyped, "integer");
  EXPECT_HAS(error_of([&] { PostgresSink<std::string>(conninfo(), "hand", {"word"}); }), "'n'");
  EXPECT_HAS(
      error_of([&] {
        PostgresSink<std::tuple<std::string, long, int>>(conninfo(), "hand", {"word", "n", "x"});
      }),
      "'x'");
  const auto no_key = error_of([&] {
    PostgresSink<KV>(conninfo(), "hand", {"word", "n"}, SinkMode::upsert);
  });
  EXPECT_HAS(no_key, "hand");
  EXPECT_HAS(no_key, "PRIMARY KEY");
  // A value the hand-made column cannot hold fails the batch, naming the table.
  PostgresSink<KV> narrow(conninfo(), "hand", {"word", "n"});
  EXPECT_HAS(error_of([&] {
               narrow(ctx_.parallelize(std::vector<KV>{{"a", 1L << 40}}, 1), Time{1});
             }),
             "hand");
  EXPECT_EQ(table("hand"), std::vector<std::string>{});
}

TEST_F(PostgresSinkTest, ADroppedConnectionOrRestartInTheMiddleOfABatchWritesItOnce) {
  PostgresSink<KV> sink(conninfo(), "mid", {"k", "v"});
  PostgresSink<KV> up(conninfo(), "mid_up", {"k", "v"}, SinkMode::upsert);
  std::vector<KV> all;
  auto batch = [&](int b) {
    std::vector<KV> rows;
    for (int i = 0; i < 2000; ++i)
      rows.emplace_back("b" + std::to_string(b) + "_" + std::to_string(i), i);
    return rows;
  };
  // 1: the server kills the session while the progress row is written, after the COPY:
  // the transaction is lost with the connection and retried on a new one.
  PgClient(conninfo()).exec(R"(
    CREATE SEQUENCE kill_once;
    CREATE FUNCTION kill_session() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF nextval('kill_once') % 2 = 1 THEN PERFORM pg_terminate_backend(pg_backend_pid()); END IF;
      RETURN NEW;
    END $$;
    CREATE TRIGGER kill_session BEFORE INSERT OR UPDATE ON rill_progress
      FOR EACH ROW EXECUTE FUNCTION kill_session();)");
  sink(ctx_.parallelize(batch(1), 2), Time{10});  // killed once, then written
  up(ctx_.parallelize(batch(1), 2), Time{10});    // the same for the upsert path
  // Each sink's first try was killed, its second written.
  EXPECT_EQ(PgClient(conninfo()).rows("SELECT last_value FROM kill_once"),
            std::vector<std::string>{"4"});
  PgClient(conninfo()).exec("DROP TRIGGER kill_session ON rill_progress");
  auto b1 = batch(1);
  all.insert(all.end(), b1.begin(), b1.end());
  EXPECT_EQ(table("mid"), pg_rows(all));
  EXPECT_EQ(table("mid_up"), pg_rows(all));

  // 2: the server restarts while the batch is computed, after the sink looked at its
  // progress: the transaction finds the connection closed and reconnects.
  auto restart_in_the_middle = [&](const KV& kv) {
    if (kv.second == 0 && kv.first.rfind("b2_", 0) == 0) {
      server_->stop("immediate");  // as a crash: recovery at the next start
      server_->start();
    }
    return kv;
  };
  sink(ctx_.parallelize(batch(2), 1).map(restart_in_the_middle), Time{20});
  up(ctx_.parallelize(batch(2), 1), Time{20});
  auto b2 = batch(2);
  all.insert(all.end(), b2.begin(), b2.end());
  EXPECT_EQ(table("mid"), pg_rows(all));
  EXPECT_EQ(table("mid_up"), pg_rows(all));
  EXPECT_EQ(PgClient(conninfo()).rows("SELECT * FROM rill_progress"),
            (std::vector<std::string>{"mid_up|20", "mid|20"}));
}

TEST_F(PostgresSinkTest, AStreamKeepsWritingAcrossServerRestartsAndAnOutage) {
  using namespace std::chrono_literals;
  const std::vector<std::vector<std::string>> words{
      {"a", "b", "a"}, {"c"}, {}, {"a", "c", "c", "d"}, {"b"}, {}, {"e", "a"}};
  constexpr Duration interval = 100ms;
  auto clock = std::make_shared<ManualClock>();
  StreamingContext ssc(ctx_, interval, clock);
  ssc.checkpoint(
      (std::filesystem::temp_directory_path() / ("rill_pg_stream_" + std::to_string(::getpid())))
          .string());
  std::deque<Rdd<std::string>> queue;
  for (const auto& b : words) queue.push_back(ctx_.parallelize(b, 2));
  auto in = ssc.queue_stream(queue);
  in.map([](const std::string& w) {
      return KV{w, 1L};
    })
      .reduce_by_key_and_window(std::plus<>{}, std::minus<>{}, 3 * interval, interval)
      .foreach_rdd(PostgresSink<KV>(conninfo(), "window_counts", {"word", "n"}, SinkMode::upsert));
  in.foreach_rdd(PostgresSink<std::string>(conninfo(), "words", {"w"}));
  ssc.start();
  std::map<std::string, long> counts;
  std::vector<std::string> seen;
  for (std::size_t b = 0; b < words.size(); ++b) {
    if (b == 2 || b == 5) {  // between batches: the sinks' connections die with the server
      server_->stop(b == 2 ? "fast" : "immediate");
      server_->start();
    }
    clock->advance(interval);
    ssc.await_batch_completed(clock->now());
    for (auto& [w, n] : counts) n = 0;
    for (std::size_t i = b >= 2 ? b - 2 : 0; i <= b; ++i)
      for (const auto& w : words[i]) ++counts[w];
    seen.insert(seen.end(), words[b].begin(), words[b].end());
    EXPECT_EQ(table("window_counts"), pg_rows(std::vector<KV>(counts.begin(), counts.end())))
        << "after batch " << b;
    EXPECT_EQ(table("words"), pg_rows(seen)) << "after batch " << b;
  }
  ssc.stop(false, false);
  std::filesystem::remove_all(std::filesystem::temp_directory_path() /
                              ("rill_pg_stream_" + std::to_string(::getpid())));

  // Down for longer than the retries: the batch fails with an error naming the server,
  // and writes nothing; once the server is back, the same batch (a re-run) is written once.
  PostgresSink<long> sink(conninfo(), "outage", {"v"});
  sink(ctx_.parallelize(std::vector<long>{1, 2}, 1), Time{1});
  server_->stop();
  const auto error = error_of([&] { sink(ctx_.parallelize(std::vector<long>{3, 4}, 1), Time{2}); });
  EXPECT_HAS(error, "127.0.0.1");
  EXPECT_HAS(error, std::to_string(server_->port()));
  server_->start();
  sink(ctx_.parallelize(std::vector<long>{3, 4}, 1), Time{2});
  sink(ctx_.parallelize(std::vector<long>{3, 4}, 1), Time{2});
  EXPECT_EQ(table("outage"), pg_rows(std::vector<long>{1, 2, 3, 4}));
}

TEST_F(PostgresSinkTest, ConcurrentSinksAndCopiesShareNothingTheyShouldNot) {
  // Two sinks of one table in two threads (two connections, two ids), and a copied sink
  // used from both threads (one connection, taken in turns).
  PostgresSink<std::pair<int, int>> shared(conninfo(), "shared", {"batch", "i"});
  auto run = [&](const std::string& id, int offset) {
    PostgresSink<std::pair<int, int>> own(conninfo(), "pairs_both", {"batch", "i"},
                                          SinkMode::append, 1, id);
    auto copy = shared;
    for (int b = 1; b <= 15; ++b) {
      std::vector<std::pair<int, int>> rows;
      for (int i = 0; i < 40; ++i) rows.emplace_back(b + offset, i);
      own(ctx_.parallelize(rows, 2), Time{b});
      copy(ctx_.parallelize(rows, 2), Time{2 * b + offset / 100});
    }
  };
  std::thread t1(run, "left", 0), t2(run, "right", 100);
  t1.join();
  t2.join();
  EXPECT_EQ(PgClient(conninfo()).rows("SELECT count(*) FROM pairs_both"),
            std::vector<std::string>{"1200"});
  // The copies share one progress row: a batch time at or below it is skipped, so the
  // count depends on the interleaving, but no batch is in the table twice.
  EXPECT_EQ(
      PgClient(conninfo())
          .rows("SELECT count(*) FROM (SELECT batch FROM shared GROUP BY batch HAVING count(*) <> "
                "40) x"),
      std::vector<std::string>{"0"});
}

}  // namespace rill::test::postgres_sink_test
