// log_analytics: the demo's access log as analytics into SQLite — per-URL and per-status
// request counts over a sliding window (upserted per window end, so the table is the
// windows' history a BI tool can query), and an alert when the share of 5xx responses in a
// window passes a threshold (printed and written to the table `alerts`).
//
// The log is replayed in its own time: the StreamingContext runs on a ManualClock set to
// the log's first second, batch T holds the lines stamped in [T - 1 s, T), and the clock
// is advanced one second per batch as fast as batches complete. So a run is deterministic,
// and since batch times are the log's epoch milliseconds, a second run over the same log
// adds nothing (the sinks' rill_progress rows skip those batches); a later log appends.
//
//   log_analytics                                  # 120 s of the generated sample log
//   log_analytics --file access.log --db out.db --window 30 --alert-rate 0.1
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <rill/rill.hpp>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "access_log.hpp"
#include "example_main.hpp"
#include "sample_log.hpp"

namespace {

using namespace std::chrono_literals;

struct Options {
  std::string file;  // an access log; empty: the generated sample
  double seconds = 120;
  double rate = 200;  // sample lines per second
  std::string db = "log_analytics.db";
  int window = 10;              // seconds, sliding by 1 s
  double alert_rate = 0.05;     // alert when 5xx / requests in a window exceeds this
  std::int64_t alert_min = 50;  // ... and the window has at least this many requests
  bool quiet = false;
};

void usage(const char* argv0) {
  std::cout
      << "usage: " << argv0 << " [options]\n"
      << "  --file PATH        an Apache combined access log (default: the generated sample)\n"
      << "  --seconds S        length of the generated sample (default 120)\n"
      << "  --rate N           lines per second of the generated sample (default 200)\n"
      << "  --db PATH          SQLite database to write (default log_analytics.db)\n"
      << "  --window W         window length in seconds, sliding every second (default 10)\n"
      << "  --alert-rate R     alert when the 5xx share of a window exceeds R (default 0.05)\n"
      << "  --alert-min N      ... in windows of at least N requests (default 50)\n"
      << "  --quiet            print only alerts and the summary\n";
}

std::optional<Options> parse_args(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::invalid_argument(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--file")
      o.file = value();
    else if (arg == "--seconds")
      o.seconds = std::stod(value());
    else if (arg == "--rate")
      o.rate = std::stod(value());
    else if (arg == "--db")
      o.db = value();
    else if (arg == "--window")
      o.window = std::stoi(value());
    else if (arg == "--alert-rate")
      o.alert_rate = std::stod(value());
    else if (arg == "--alert-min")
      o.alert_min = std::stoll(value());
    else if (arg == "--quiet")
      o.quiet = true;
    else if (arg == "--help" || arg == "-h")
      return std::nullopt;
    else
      throw std::invalid_argument("unknown option " + arg);
  }
  if (o.seconds <= 0 || o.rate <= 0 || o.window < 1 || o.alert_rate < 0 || o.alert_min < 0)
    throw std::invalid_argument(
        "--seconds, --rate and --window must be positive, --alert-rate and --alert-min >= 0");
  return o;
}

std::vector<std::string> load_lines(const Options& opt) {
  std::vector<std::string> lines;
  if (!opt.file.empty()) {
    std::ifstream in(opt.file);
    if (!in) throw std::runtime_error("cannot read " + opt.file);
    for (std::string l; std::getline(in, l);) lines.push_back(std::move(l));
    return lines;
  }
  rill::examples::SampleLog sample(opt.seconds);
  const auto n = static_cast<std::int64_t>(opt.seconds * opt.rate);
  for (std::int64_t i = 0; i < n; ++i)
    lines.push_back(sample.line(static_cast<double>(i) / opt.rate));
  return lines;
}

std::string clock_time(std::int64_t epoch_ms) {
  const std::time_t s = epoch_ms / 1000;
  std::tm tm{};
  gmtime_r(&s, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

int run(const Options& opt) {
  // ---- the input: one RDD per second of log time ----
  const std::vector<std::string> lines = load_lines(opt);
  std::map<std::int64_t, std::vector<std::string>> by_second;
  std::int64_t skipped = 0;
  for (const auto& l : lines) {
    auto r = rill::examples::parse_access_line(l);
    if (r && r->epoch_s)
      by_second[*r->epoch_s].push_back(l);
    else
      ++skipped;
  }
  if (by_second.empty()) throw std::runtime_error("no access-log lines with a time in the input");
  const std::int64_t first = by_second.begin()->first, last = by_second.rbegin()->first;

  rill::Context ctx(rill::Config{.parallelism = 2});
  auto clock = std::make_shared<rill::ManualClock>(rill::Time{first * 1000});
  rill::StreamingContext ssc(ctx, 1s, clock);
  const auto checkpoint_dir =
      std::filesystem::temp_directory_path() / ("rill_log_analytics_" + std::to_string(::getpid()));
  ssc.checkpoint(checkpoint_dir.string());  // the inverse windows keep state across batches
  std::deque<rill::Rdd<std::string>> queue;
  for (std::int64_t s = first; s <= last; ++s) {
    auto it = by_second.find(s);
    queue.push_back(
        ctx.parallelize(it == by_second.end() ? std::vector<std::string>{} : it->second, 2));
  }

  // ---- the job: the demo's windows, into SQLite ----
  const auto window = std::chrono::seconds(opt.window);
  auto requests = ssc.queue_stream(queue).flat_map(rill::examples::parse_request).cache();
  using Request = std::pair<std::string, int>;
  const std::plus<std::int64_t> add;
  const std::minus<std::int64_t> subtract;  // the inverse: takes the batch leaving the window out
  auto still_in_window = [](const auto& kv) { return kv.second > 0; };
  auto url_hits = requests.map([](const Request& r) {
                            return std::pair{r.first, std::int64_t{1}};
                          })
                      .reduce_by_key_and_window(add, subtract, window, 1s, 0, still_in_window);
  auto status_hits =
      requests.map([](const Request& r) {
                return std::pair{r.second, std::int64_t{1}};
              })
          .reduce_by_key_and_window(add, subtract, window, 1s, 0, still_in_window);

  // One row per (window end, key); upsert on both, so a re-run batch rewrites its rows.
  using UrlRow = std::tuple<std::int64_t, std::string, std::int64_t>;
  using StatusRow = std::tuple<std::int64_t, int, std::int64_t>;
  using AlertRow = std::tuple<std::int64_t, std::int64_t, std::int64_t, double>;
  rill::SqliteSink<UrlRow> url_sink(opt.db, "url_counts", {"window_end_ms", "url", "hits"},
                                    rill::SinkMode::upsert, 2);
  rill::SqliteSink<StatusRow> status_sink(
      opt.db, "status_counts", {"window_end_ms", "status", "hits"}, rill::SinkMode::upsert, 2);
  rill::SqliteSink<AlertRow> alert_sink(opt.db, "alerts",
                                        {"window_end_ms", "errors_5xx", "requests", "error_rate"},
                                        rill::SinkMode::upsert, 1);
  std::int64_t alerts = 0, windows = 0;
  url_hits.foreach_rdd(
      [&](const rill::Rdd<std::pair<std::string, std::int64_t>>& rdd, rill::Time t) {
        url_sink(rdd.map([end = t.count()](const auto& kv) {
          return UrlRow{end, kv.first, kv.second};
        }),
                 t);
      });
  status_hits.foreach_rdd([&](const rill::Rdd<std::pair<int, std::int64_t>>& rdd, rill::Time t) {
    status_sink(rdd.map([end = t.count()](const auto& kv) {
      return StatusRow{end, kv.first, kv.second};
    }),
                t);
    // The alert: a handful of status codes, so the window is summed on the driver.
    std::int64_t errors = 0, total = 0;
    for (const auto& [status, n] : rdd.collect()) {
      total += n;
      if (status >= 500) errors += n;
    }
    ++windows;
    std::vector<AlertRow> alert;
    const double rate = total ? static_cast<double>(errors) / static_cast<double>(total) : 0.0;
    if (total >= opt.alert_min && rate > opt.alert_rate) {
      ++alerts;
      alert.emplace_back(t.count(), errors, total, rate);
      std::printf("ALERT  window ending %s: %.1f%% 5xx (%lld of %lld requests in %d s)\n",
                  clock_time(t.count()).c_str(), 100 * rate, static_cast<long long>(errors),
                  static_cast<long long>(total), opt.window);
    } else if (!opt.quiet) {
      std::printf("ok     window ending %s: %.1f%% 5xx of %lld requests\n",
                  clock_time(t.count()).c_str(), 100 * rate, static_cast<long long>(total));
    }
    alert_sink(ctx.parallelize(alert, 1), t);
  });

  // ---- replay the log's seconds as fast as the batches complete ----
  ssc.start();
  for (std::int64_t s = first; s <= last; ++s) {
    clock->advance(1s);
    ssc.await_batch_completed(clock->now());
  }
  ssc.stop(/*stop_context=*/false, /*graceful=*/false);
  std::error_code ignored;
  std::filesystem::remove_all(checkpoint_dir, ignored);

  std::printf(
      "done: %zu lines (%lld skipped), %lld windows of %d s from %s to %s into %s: "
      "tables url_counts, status_counts, alerts (%lld alerts)\n",
      lines.size(), static_cast<long long>(skipped), static_cast<long long>(windows), opt.window,
      clock_time((first + 1) * 1000).c_str(), clock_time((last + 1) * 1000).c_str(), opt.db.c_str(),
      static_cast<long long>(alerts));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return rill::examples::example_main(argc, argv, parse_args, usage, run);
}
