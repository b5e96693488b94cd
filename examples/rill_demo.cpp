// rill_demo: live top URLs and status codes of a web shop's access log, read over TCP.
//
// A LogServer thread plays a generated Apache access log (examples/sample_log.hpp) on
// 127.0.0.1 at a steady rate; rill reads it with socket_text_stream in 1 s batches and
// keeps a 10 s window sliding every batch with reduce_by_key_and_window and its inverse
// (each slide adds the newest batch and subtracts the one that left, instead of
// re-reducing ten batches). The demo stops gracefully once every line has been counted.
//
//   rill_demo                         # 15 s of log at 3,000 lines/s, then stops
//   rill_demo --seconds 20 --rate 20000 --json batches.jsonl
//   rill_demo --file access.log       # play your own combined-format log instead
//   rill_demo --connect 127.0.0.1:9999 --seconds 30   # read an external server (nc -lk)
//   rill_demo --ui 4040 --seconds 60  # live charts at http://127.0.0.1:4040/ while it runs
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <rill/rill.hpp>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "access_log.hpp"
#include "dashboard.hpp"
#include "example_main.hpp"
#include "log_server.hpp"
#include "sample_log.hpp"

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

struct Options {
  double seconds = 15;  // how long the log plays
  double rate = 3000;   // lines per second
  bool rate_given = false;
  int window = 10;  // window length in batches (seconds)
  std::size_t top = 10;
  std::string file;     // play this log instead of the generated one
  std::string connect;  // read host:port instead of running a server
  std::string json;     // write JsonBatchListener lines here
  int ui_port = -1;     // serve the web UI on this port (0: any free one); -1: no UI
  bool quiet = false;   // no per-batch tables, only progress and the summary
  bool color = ::isatty(STDOUT_FILENO) == 1 && std::getenv("NO_COLOR") == nullptr;
};

void usage(const char* argv0) {
  std::cout
      << "usage: " << argv0 << " [options]\n"
      << "  --seconds S        play the log for S seconds (default 15)\n"
      << "  --rate N           lines per second (default 3000; with --file: fit the file into S)\n"
      << "  --window W         window length in seconds (default 10)\n"
      << "  --top N            URLs to show (default 10)\n"
      << "  --file PATH        play an existing Apache combined log instead of the generated one\n"
      << "  --connect H:P      read from an external TCP server instead (e.g. nc -lk 9999 < log)\n"
      << "  --json PATH        also write one JSON line per batch (JsonBatchListener)\n"
      << "  --ui PORT          serve the live web UI on 127.0.0.1:PORT (0: a free port)\n"
      << "  --quiet            no tables; a progress line on stderr and the summary\n"
      << "  --no-color         plain output\n";
}

std::optional<Options> parse_args(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::invalid_argument(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--seconds") {
      o.seconds = std::stod(value());
    } else if (arg == "--rate") {
      o.rate = std::stod(value());
      o.rate_given = true;
    } else if (arg == "--window") {
      o.window = std::stoi(value());
    } else if (arg == "--top") {
      o.top = static_cast<std::size_t>(std::stoul(value()));
    } else if (arg == "--file") {
      o.file = value();
    } else if (arg == "--connect") {
      o.connect = value();
    } else if (arg == "--json") {
      o.json = value();
    } else if (arg == "--ui") {
      o.ui_port = std::stoi(value());
      if (o.ui_port < 0)
        throw std::invalid_argument("--ui wants a port >= 0, got " + std::to_string(o.ui_port));
    } else if (arg == "--quiet") {
      o.quiet = true;
    } else if (arg == "--no-color") {
      o.color = false;
    } else if (arg == "--help" || arg == "-h") {
      return std::nullopt;
    } else {
      throw std::invalid_argument("unknown option " + arg);
    }
  }
  if (o.seconds <= 0 || o.rate <= 0 || o.window < 1 || o.top < 1)
    throw std::invalid_argument("--seconds, --rate, --window and --top must be positive");
  return o;
}

using rill::examples::parse_request;  // (path, status) of a line, or nothing

std::vector<std::string> read_lines(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(std::move(l));
  return lines;
}

int run(const Options& opt) {
  // ---- the source: our own paced server, or someone else's ----
  std::unique_ptr<rill::examples::LogServer> server;
  std::string host = "127.0.0.1";
  int port = 0;
  std::shared_ptr<rill::examples::SampleLog> sample;
  std::shared_ptr<std::vector<std::string>> file_lines;
  if (!opt.connect.empty()) {
    const auto colon = opt.connect.rfind(':');
    if (colon == std::string::npos) throw std::invalid_argument("--connect wants host:port");
    host = opt.connect.substr(0, colon);
    port = std::stoi(opt.connect.substr(colon + 1));
  } else if (!opt.file.empty()) {
    file_lines = std::make_shared<std::vector<std::string>>(read_lines(opt.file));
    const auto n = static_cast<std::int64_t>(file_lines->size());
    const double rate = opt.rate_given ? opt.rate : static_cast<double>(n) / opt.seconds;
    server = std::make_unique<rill::examples::LogServer>(
        [file_lines](std::int64_t i) { return (*file_lines)[static_cast<std::size_t>(i)]; }, n,
        rate);
    port = server->port();
  } else {
    sample = std::make_shared<rill::examples::SampleLog>(opt.seconds);
    const auto n = static_cast<std::int64_t>(opt.seconds * opt.rate);
    const double rate = opt.rate;
    // Line i belongs at stream time i / rate; the generator is called in order, on the
    // server thread only.
    server = std::make_unique<rill::examples::LogServer>(
        [sample, rate](std::int64_t i) { return sample->line(static_cast<double>(i) / rate); }, n,
        rate);
    port = server->port();
  }
  const std::string source = "tcp://" + host + ":" + std::to_string(port);

  // ---- the streaming job ----
  rill::Context ctx;
  rill::StreamingContext ssc(ctx, 1s);
  const auto checkpoint_dir =
      std::filesystem::temp_directory_path() / ("rill_demo_" + std::to_string(::getpid()));
  ssc.checkpoint(checkpoint_dir.string());  // the inverse window keeps state across batches

  const auto window = std::chrono::seconds(opt.window);
  auto lines = ssc.socket_text_stream(host, port);
  // (path, status) per well-formed line; cached because three streams read it.
  auto requests = lines.flat_map(parse_request).cache();
  using Request = std::pair<std::string, int>;
  auto by_url = [](const Request& r) { return std::pair{r.first, std::int64_t{1}}; };
  auto by_status = [](const Request& r) { return std::pair{r.second, std::int64_t{1}}; };
  auto still_in_window = [](const auto& kv) { return kv.second > 0; };  // drop keys that left
  const std::plus<std::int64_t> add;
  const std::minus<std::int64_t> subtract;  // the inverse: takes the batch leaving the window out

  auto url_hits =
      requests.map(by_url).reduce_by_key_and_window(add, subtract, window, 1s, 0, still_in_window);
  auto status_hits = requests.map(by_status).reduce_by_key_and_window(add, subtract, window, 1s, 0,
                                                                      still_in_window);
  auto batch_statuses = requests.map(by_status).reduce_by_key(add);
  auto batch_lines = lines.count();

  // The outputs of a batch run in the order defined here; the last one shows the batch.
  rill::examples::Dashboard dashboard(std::cout, opt.color, opt.window, opt.top);
  std::mutex view_mutex;
  rill::examples::BatchView view;
  std::atomic<std::int64_t> lines_counted{0};
  std::atomic<std::int64_t> batches{0};
  std::optional<rill::Time> first_batch;  // batch times are epoch ms: shown from the start
  batch_lines.foreach_rdd([&](const rill::Rdd<std::int64_t>& rdd, rill::Time t) {
    std::int64_t n = 0;
    for (auto c : rdd.collect()) n += c;
    std::lock_guard lock(view_mutex);
    view = {};
    if (!first_batch) first_batch = t - ssc.batch_interval();
    view.batch_seconds = std::chrono::duration_cast<std::chrono::seconds>(t - *first_batch).count();
    view.batch_lines = n;
    lines_counted += n;
  });
  batch_statuses.foreach_rdd([&](const rill::Rdd<std::pair<int, std::int64_t>>& rdd) {
    auto counts = rdd.collect();
    std::lock_guard lock(view_mutex);
    for (const auto& [code, n] : counts) view.batch_statuses[code] += n;
  });
  status_hits.foreach_rdd([&](const rill::Rdd<std::pair<int, std::int64_t>>& rdd) {
    auto counts = rdd.collect();
    std::lock_guard lock(view_mutex);
    for (const auto& [code, n] : counts) view.statuses[code] += n;
  });
  url_hits.foreach_rdd([&](const rill::Rdd<std::pair<std::string, std::int64_t>>& rdd) {
    auto counts = rdd.collect();
    std::lock_guard lock(view_mutex);
    view.urls = std::move(counts);
    ++batches;
    if (!opt.quiet) dashboard.show(view);
  });

  std::optional<rill::JsonBatchListener> json;
  if (!opt.json.empty()) {
    json.emplace(opt.json);
    ssc.add_listener(*json);
  }
  std::optional<rill::WebUi> ui;
  if (opt.ui_port >= 0) {
    ui.emplace(ssc, opt.ui_port);
    std::cerr << "rill_demo: web UI at " << ui->url() << "\n";
  }
  rill::ProgressListener progress;  // stderr, and only if it is a terminal
  if (opt.quiet) ssc.add_listener(progress);

  if (!opt.quiet) dashboard.header(source, "1 s");
  const auto t0 = Clock::now();
  ssc.start();

  // ---- run until the log has been played and counted ----
  std::int64_t expected = -1;
  if (server) {
    const auto play_time = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::duration<double>(opt.seconds));
    if (!server->wait_until_done(play_time + 30s))
      std::cerr << "rill_demo: the log server did not finish in time; stopping\n";
    expected = server->lines_sent();
    // The last lines are still in the receiver's current block; give them a few batches.
    const auto deadline = Clock::now() + 5s;
    while (lines_counted.load() < expected && Clock::now() < deadline)
      std::this_thread::sleep_for(50ms);
  } else {
    std::this_thread::sleep_for(std::chrono::duration<double>(opt.seconds));
  }
  ssc.stop(/*stop_context=*/false, /*graceful=*/true);
  progress.finish_line();
  const double elapsed = std::chrono::duration<double>(Clock::now() - t0).count();

  std::error_code ignored;
  std::filesystem::remove_all(checkpoint_dir, ignored);

  char summary[256];
  std::snprintf(
      summary, sizeof summary, "%s lines counted in %lld batches in %.1f s (%s lines/s)",
      rill::examples::with_commas(lines_counted.load()).c_str(),
      static_cast<long long>(batches.load()), elapsed,
      rill::examples::with_commas(static_cast<std::int64_t>(lines_counted.load() / elapsed))
          .c_str());
  std::string text = std::string("done: ") + summary;
  if (expected >= 0)
    text += expected == lines_counted.load()
                ? " · all " + rill::examples::with_commas(expected) + " lines sent were counted"
                : " · sent " + rill::examples::with_commas(expected);
  dashboard.footer(text);
  return expected < 0 || expected == lines_counted.load() ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  return rill::examples::example_main(argc, argv, parse_args, usage, run);
}
