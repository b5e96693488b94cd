// examples/fraud_detection's pipeline (examples/fraud_detection.hpp) run on a real
// nats-server and a PostgreSQL server (one for the suite, tests/io/postgres_server.hpp),
// on the manual clock: the flagged rows in the table are exactly what a serial reference
// computes from the same transactions, batch by batch (window = the transactions of the
// last 4 batches per card, count > K or amount above the card's limit).
#include "../../examples/fraud_detection.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <rill/rill.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "nats_server.hpp"
#include "postgres_server.hpp"

namespace rill::test::fraud_detection_test {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

std::string row(long id, const std::string& card, long amount, long count, long total, long limit) {
  return std::to_string(id) + "|" + card + "|" + std::to_string(amount) + "|" +
         std::to_string(count) + "|" + std::to_string(total) + "|" + std::to_string(limit);
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

class FraudDetectionExample : public ::testing::Test {
 protected:
  // One PostgreSQL for the suite: initdb costs seconds.
  static void SetUpTestSuite() {
    try {
      pg_ = new PostgresServer();
    } catch (const std::exception& e) {
      pg_error_ = e.what();
    }
  }
  static void TearDownTestSuite() {
    delete pg_;
    pg_ = nullptr;
  }
  void SetUp() override {
    ASSERT_NE(pg_, nullptr) << pg_error_;
    PgClient(pg_->conninfo()).exec("DROP SCHEMA public CASCADE; CREATE SCHEMA public");
  }
  static inline PostgresServer* pg_ = nullptr;
  static inline std::string pg_error_;
};

TEST_F(FraudDetectionExample, FlaggedRowsEqualTheSerialReference) {
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
  const fs::path dir(tmpl);
  {
    Context ctx(Config{.parallelism = 2});
    auto clock = std::make_shared<ManualClock>();
    StreamingContext ssc(ctx, 100ms, clock);
    ssc.checkpoint((dir / "ckpt").string());
    const fraud::Rules rules{.window = 400ms, .slide = 100ms, .max_transactions = 5};
    fraud::flag_transactions(jetstream_direct_stream(ssc, server.url(), "CARDS"),
                             ctx.parallelize(limit_list, 3), rules)
        .foreach_rdd(PostgresSink<fraud::Flagged>(pg_->conninfo(), "flagged",
                                                  fraud::kFlaggedColumns, SinkMode::append));
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
  // PgClient::rows joins the columns with '|' and sorts, as row() and reference() do.
  EXPECT_EQ(PgClient(pg_->conninfo())
                .rows("SELECT tx_id, card, amount, window_count, window_amount, card_limit "
                      "FROM flagged"),
            want);
  std::error_code ec;
  fs::remove_all(dir, ec);
}

// Starts the program with its output in `log`. The child only execs: this process has
// other threads.
pid_t spawn(const std::vector<std::string>& args, const fs::path& log) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int in = ::open("/dev/null", O_RDONLY);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
    }
    if (in >= 0) ::dup2(in, 0);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  return pid;
}

std::string text_of(const fs::path& file) {
  std::ifstream in(file);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

long flagged_count(const std::string& conninfo) {
  try {
    const auto n = PgClient(conninfo).rows("SELECT COUNT(*) FROM flagged");
    return n.empty() ? 0 : std::stol(n[0]);
  } catch (const std::exception&) {
    return 0;  // the table is not there yet
  }
}

// The program itself (built next to this test when examples are on), killed with SIGKILL
// mid-stream and run again on the same --checkpoint, JetStream stream and database. With
// --max-count 0 every transaction is flagged, whatever batch it fell into, so the table
// must hold every transaction id exactly once: a batch committed before the kill is not
// written again, one that was not is written by the restarted run.
TEST_F(FraudDetectionExample, ProgramKilledAndRestartedFlagsEveryTransactionOnce) {
  const auto bin = fs::read_symlink("/proc/self/exe").parent_path().parent_path() / "examples" /
                   "rill_fraud_detection";
  if (!fs::exists(bin)) GTEST_SKIP() << bin << " is not built (RILL_BUILD_EXAMPLES=OFF)";
  NatsServer server;
  std::string tmpl = (fs::temp_directory_path() / "rill-fraud-kill-XXXXXX").string();
  ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
  const fs::path dir(tmpl);
  constexpr long kTransactions = 3000;
  const std::vector<std::string> args{bin.string(),
                                      "--nats",
                                      server.url(),
                                      "--pg",
                                      pg_->conninfo(),
                                      "--checkpoint",
                                      (dir / "ckpt").string(),
                                      "--transactions",
                                      std::to_string(kTransactions),
                                      "--rate",
                                      "1000",
                                      "--cards",
                                      "400",
                                      "--window-s",
                                      "2",
                                      "--max-count",
                                      "0"};
  const pid_t first = spawn(args, dir / "run1.log");
  ASSERT_GT(first, 0);
  // Killed once some batches are committed, while it still publishes (3 s at 1000/s).
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  long before = 0;
  while ((before = flagged_count(pg_->conninfo())) < 500 &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(50ms);
  ::kill(first, SIGKILL);
  int status = 0;
  ::waitpid(first, &status, 0);
  ASSERT_GE(before, 500) << text_of(dir / "run1.log");
  EXPECT_LT(before, kTransactions) << "the kill came after the end";

  const pid_t second = spawn(args, dir / "run2.log");
  ASSERT_GT(second, 0);
  ::waitpid(second, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << text_of(dir / "run2.log");

  // Missing and duplicated ids by name: a diff of 3000 rows would bury them.
  std::map<long, long> times;
  for (const auto& r : PgClient(pg_->conninfo()).rows("SELECT tx_id FROM flagged"))
    ++times[std::stol(r)];
  std::string missing, duplicated;
  for (long id = 1; id <= kTransactions; ++id)
    if (const long n = times.count(id) ? times[id] : 0; n == 0)
      missing += " " + std::to_string(id);
    else if (n > 1)
      duplicated += " " + std::to_string(id) + "(x" + std::to_string(n) + ")";
  EXPECT_EQ(times.size(), static_cast<std::size_t>(kTransactions));
  EXPECT_EQ(missing, "") << "killed with " << before << " rows; second run:\n"
                         << text_of(dir / "run2.log");
  EXPECT_EQ(duplicated, "");
  std::error_code ec;
  fs::remove_all(dir, ec);
}

}  // namespace rill::test::fraud_detection_test
