// Runs the log_analytics example over the bundled sample log (plus a few lines it must
// skip) and checks its SQLite tables against a reference computed here by plain loops:
// per window end T (every second) and key, the requests stamped in [T - W, T); an alert
// row for each window whose 5xx share exceeds the threshold. A second run over the same
// log must leave the tables as they are (the sinks skip batches already written).
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "../sample_log.hpp"
#include "sqlite_rows.hpp"

namespace {

namespace fs = std::filesystem;

std::vector<std::string> query(const fs::path& db_path, const std::string& sql) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK)
    throw std::runtime_error("test: cannot open " + db_path.string());
  try {
    auto rows = rill::test::sqlite_rows(db, sql);
    sqlite3_close(db);
    return rows;
  } catch (...) {
    sqlite3_close(db);
    throw;
  }
}

// The reference's own reading of a line: [dd/Mon/yyyy:hh:mm:ss +0000] "METHOD path ..." status
struct Hit {
  long long second;
  std::string path;
  int status;
};
bool read_hit(const std::string& line, Hit& hit) {
  static const std::string months = "JanFebMarAprMayJunJulAugSepOctNovDec";
  char mon[4] = {};
  int d, y, h, mi, s;
  const auto b = line.find('[');
  if (b == std::string::npos ||
      std::sscanf(line.c_str() + b, "[%d/%3c/%d:%d:%d:%d", &d, mon, &y, &h, &mi, &s) != 6)
    return false;
  std::tm tm{};
  tm.tm_mday = d;
  tm.tm_mon = static_cast<int>(months.find(mon) / 3);
  tm.tm_year = y - 1900;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  const auto q1 = line.find('"'), q2 = line.find('"', q1 + 1);
  if (q1 == std::string::npos || q2 == std::string::npos) return false;
  char method[16], path[512];
  if (std::sscanf(line.substr(q1 + 1, q2 - q1 - 1).c_str(), "%15s %511s", method, path) != 2)
    return false;
  if (std::sscanf(line.c_str() + q2 + 1, "%d", &hit.status) != 1) return false;
  hit.second = static_cast<long long>(timegm(&tm));
  hit.path = path;
  return true;
}

TEST(LogAnalyticsExample, TablesMatchAReferenceAndASecondRunAddsNothing) {
  const fs::path dir = fs::temp_directory_path() /
                       ("rill_log_analytics_test_" +
                        std::to_string(::testing::UnitTest::GetInstance()->random_seed()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const fs::path log = dir / "access.log", db = dir / "out.db";
  // 60 s of the sample at 150 lines/s: the checkout outage (60-80 % in) makes 5xx windows.
  std::vector<std::string> lines;
  rill::examples::SampleLog sample(60);
  for (int i = 0; i < 60 * 150; ++i) lines.push_back(sample.line(i / 150.0));
  lines.insert(lines.begin() + 100, "not a log line");
  lines.insert(lines.begin() + 200, "1.2.3.4 - - [bad time] \"GET /x HTTP/1.1\" 200 5");
  {
    std::ofstream out(log);
    for (const auto& l : lines) out << l << '\n';
  }
  const int window = 10;
  const double alert_rate = 0.05;
  const long long alert_min = 50;

  // ---- the reference ----
  std::vector<Hit> hits;
  for (const auto& l : lines)
    if (Hit h; read_hit(l, h)) hits.push_back(h);
  ASSERT_EQ(hits.size(), lines.size() - 2);
  long long first = hits.front().second, last = hits.front().second;
  for (const auto& h : hits) first = std::min(first, h.second), last = std::max(last, h.second);
  std::vector<std::string> want_urls, want_statuses, want_alerts;
  for (long long end = first + 1; end <= last + 1; ++end) {
    std::map<std::string, long long> urls;
    std::map<int, long long> statuses;
    for (const auto& h : hits)
      if (h.second >= end - window && h.second < end) ++urls[h.path], ++statuses[h.status];
    const std::string t = std::to_string(end * 1000);
    long long errors = 0, total = 0;
    for (const auto& [u, n] : urls) want_urls.push_back(t + "|" + u + "|" + std::to_string(n));
    for (const auto& [s, n] : statuses) {
      want_statuses.push_back(t + "|" + std::to_string(s) + "|" + std::to_string(n));
      total += n;
      if (s >= 500) errors += n;
    }
    if (total >= alert_min && errors > alert_rate * total)
      want_alerts.push_back(t + "|" + std::to_string(errors) + "|" + std::to_string(total));
  }
  std::sort(want_urls.begin(), want_urls.end());
  std::sort(want_statuses.begin(), want_statuses.end());
  std::sort(want_alerts.begin(), want_alerts.end());
  ASSERT_FALSE(want_alerts.empty());  // the outage is in the sample

  const std::string cmd = std::string(LOG_ANALYTICS_BIN) + " --file " + log.string() + " --db " +
                          db.string() + " --window " + std::to_string(window) +
                          " --alert-rate 0.05 --alert-min 50 --quiet > " +
                          (dir / "out.txt").string();
  for (int run = 0; run < 2; ++run) {
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
    EXPECT_EQ(query(db, "SELECT * FROM url_counts"), want_urls) << "run " << run;
    EXPECT_EQ(query(db, "SELECT * FROM status_counts"), want_statuses) << "run " << run;
    EXPECT_EQ(query(db, "SELECT window_end_ms, errors_5xx, requests FROM alerts"), want_alerts)
        << "run " << run;
  }
  std::ifstream out(dir / "out.txt");
  std::string text((std::istreambuf_iterator<char>(out)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("ALERT"), std::string::npos) << text;
  EXPECT_NE(text.find("(2 skipped)"), std::string::npos) << text;
  fs::remove_all(dir);
}

}  // namespace
