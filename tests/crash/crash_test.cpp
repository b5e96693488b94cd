// Kill -9 test of streaming recovery, the way production breaks it: rill_crash_job
// (tests/crash/crash_job.cpp, a get_or_create job on the system clock) is killed with
// SIGKILL at random moments and restarted, while this process feeds it input at a steady
// rate the whole time, also while it is down. At the end the job's save_as_text_files
// outputs must show every fed record exactly once, the running state of the newest batch
// must equal a serial reference, every window must equal the sum over the batches it
// covers, every batch's event-time watermark, late records and closed windows must be what
// API.md's rules give for the batches as output (crash_event_check.cpp), and every life
// must have run until killed. Nothing checked depends on when
// the kills land: with a correct rill the checks hold for any schedule.
//
// RILL_KILLS (default 20) sets the number of kills; RILL_CRASH_SEED replaces the fixed
// per-scenario seed of the kill schedule and the data. The seed is printed.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "crash_event_check.hpp"
#include "io/mosquitto_broker.hpp"
#include "nats_server.hpp"

#ifndef RILL_CRASH_JOB
#error "RILL_CRASH_JOB must name the rill_crash_job executable"
#endif

namespace rill::crash_test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

// The job's batch interval and window (crash_job.cpp: window = 4 intervals, slide 1).
constexpr long kIntervalMs = 50;
constexpr long kWindowMs = 4 * kIntervalMs;
// The feeder: kRecordsPerWrite records every kFeedPeriod, keys k0..k11, values 1..9.
constexpr int kRecordsPerWrite = 50;
constexpr auto kFeedPeriod = 20ms;
constexpr int kKeys = 12;
// Lives and downtimes (uniform, from the seeded schedule).
constexpr int kLifeMinMs = 250, kLifeMaxMs = 900, kDownMaxMs = 300;
// An uninterrupted run (RILL_KILLS=0) is fed this long.
constexpr auto kUninterruptedFeed = 2s;
// Bounds of every wait: a slow (ASan -O0) child gets time to start, the final life to
// catch up; a stuck one fails the test instead of hanging it.
constexpr auto kStartLimit = 60s;    // first life until it printed "started"
constexpr auto kCatchUpLimit = 60s;  // final life until every fed id was output
constexpr auto kStallLimit = 15s;    // ... or until no new id was output for this long
constexpr auto kStopLimit = 60s;     // final life from STOP until its exit
constexpr auto kReapLimit = 10s;     // a SIGKILLed child until waitpid reaps it
constexpr std::size_t kShown = 8;    // examples shown per kind of failure

struct Record {
  long id;
  std::string key;
  long value;
};

long env_long(const char* name, long fallback) {
  const char* s = std::getenv(name);
  if (!s || !*s) return fallback;
  long v = 0;
  const auto [p, ec] = std::from_chars(s, s + std::strlen(s), v);
  if (ec != std::errc{} || *p != '\0' || v < 0)
    throw std::invalid_argument(std::string(name) + " must be a non-negative integer, not '" + s +
                                "'");
  return v;
}

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string first_lines(const fs::path& p, std::size_t n) {
  std::istringstream in(read_text(p));
  std::string line, out;
  for (std::size_t i = 0; i < n && std::getline(in, line); ++i) out += "      | " + line + "\n";
  return out.empty() ? "      | (empty)\n" : out;
}

bool parse_long(std::string_view s, long& v) {
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc{} && p == s.data() + s.size() && !s.empty();
}

// ---- the feeder: this process writes the job's input, steadily, on its own thread ----

class Feeder {
 public:
  Feeder(bool files, fs::path input, std::uint32_t seed)
      : files_(files), input_(std::move(input)), rng_(seed) {}
  // Publishes each record as a message (publish(key number, line)); acknowledged() waits
  // for the broker's acknowledgements of a write's worth before the next write.
  using Publish = std::function<void(int key, const std::string& line)>;
  Feeder(Publish publish, std::function<void()> acknowledged, std::uint32_t seed)
      : files_(false),
        publish_(std::move(publish)),
        acknowledged_(std::move(acknowledged)),
        rng_(seed) {}
  ~Feeder() { stop(); }

  void start() {
    thread_ = std::jthread([this](std::stop_token st) { run(st); });
  }
  void stop() {
    if (!thread_.joinable()) return;
    thread_.request_stop();
    thread_.join();
  }
  // Valid after stop().
  const std::vector<Record>& records() const { return records_; }
  const std::string& error() const { return error_; }

 private:
  void run(std::stop_token st) {
    auto next = SteadyClock::now();
    try {
      while (!st.stop_requested()) {
        write_batch();
        next += kFeedPeriod;
        const auto now = SteadyClock::now();
        if (next < now) next = now;  // behind (a loaded machine): no burst to catch up
        std::this_thread::sleep_until(next);
      }
    } catch (const std::exception& e) {
      error_ = e.what();
    }
  }

  void write_batch() {
    std::uniform_int_distribution<int> key(0, kKeys - 1), value(1, 9);
    std::string text;
    for (int i = 0; i < kRecordsPerWrite; ++i) {
      const int k = key(rng_);
      Record r{static_cast<long>(records_.size()) + 1, "k" + std::to_string(k), value(rng_)};
      const auto line = std::to_string(r.id) + " " + r.key + " " + std::to_string(r.value);
      if (publish_) publish_(k, line);
      text += line + "\n";
      records_.push_back(std::move(r));
    }
    if (publish_) {
      acknowledged_();
    } else if (files_) {
      // Written under a name text_file_stream skips, then renamed into place complete.
      char name[32];
      std::snprintf(name, sizeof name, "in-%06d", ++files_written_);
      const auto tmp = input_ / (std::string(name) + ".tmp");
      write_all(tmp, text, O_WRONLY | O_CREAT | O_TRUNC);
      fs::rename(tmp, input_ / (std::string(name) + ".txt"));
    } else {
      write_all(input_, text, O_WRONLY | O_CREAT | O_APPEND);  // whole lines, one write()
    }
  }

  static void write_all(const fs::path& p, const std::string& text, int flags) {
    // O_CLOEXEC: the children forked meanwhile must not inherit the descriptor.
    const int fd = ::open(p.c_str(), flags | O_CLOEXEC, 0644);
    if (fd < 0) throw std::runtime_error("feeder: cannot open " + p.string());
    const auto n = ::write(fd, text.data(), text.size());
    ::close(fd);
    if (n != static_cast<ssize_t>(text.size()))
      throw std::runtime_error("feeder: short write to " + p.string());
  }

  const bool files_;
  const fs::path input_;
  const Publish publish_;
  const std::function<void()> acknowledged_;
  std::mt19937 rng_;             // feeder thread only
  std::vector<Record> records_;  // feeder thread only until stop()
  int files_written_ = 0;        // feeder thread only
  std::string error_;            // feeder thread only until stop()
  std::jthread thread_;
};

// ---- one life of the job: a child process ----

std::string describe_status(int status) {
  if (WIFEXITED(status)) return "exit code " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status))
    return std::string("killed by signal ") + std::to_string(WTERMSIG(status)) + " (" +
           ::strsignal(WTERMSIG(status)) + ")";
  return "status " + std::to_string(status);
}

class ChildProcess {
 public:
  // fork, then exec at once: this process has other threads (the feeder, TBB's), so the
  // child calls nothing but dup2, execv and _exit.
  ChildProcess(const std::vector<std::string>& args, const fs::path& out, const fs::path& err) {
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    const int out_fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    const int err_fd = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (out_fd < 0 || err_fd < 0) throw std::runtime_error("cannot create " + out.string());
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(out_fd, STDOUT_FILENO);
      ::dup2(err_fd, STDERR_FILENO);
      ::execv(argv[0], argv.data());
      static const char msg[] = "rill_crash_test: FAILED: execv of the job failed\n";
      [[maybe_unused]] auto n = ::write(STDERR_FILENO, msg, sizeof msg - 1);
      ::_exit(127);
    }
    ::close(out_fd);
    ::close(err_fd);
    if (pid_ < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess() {
    if (running()) kill_and_reap();
  }

  bool running() {
    if (status_) return false;
    int st = 0;
    if (::waitpid(pid_, &st, WNOHANG) == pid_) status_ = st;
    return !status_;
  }
  // Whether the child exited within limit (polling, so that the wait is bounded).
  bool wait_exit(SteadyClock::duration limit) {
    const auto deadline = SteadyClock::now() + limit;
    while (running()) {
      if (SteadyClock::now() >= deadline) return false;
      std::this_thread::sleep_for(5ms);
    }
    return true;
  }
  // SIGKILL; false if it could not be reaped within kReapLimit.
  bool kill_and_reap() {
    if (!running()) return true;
    ::kill(pid_, SIGKILL);
    return wait_exit(kReapLimit);
  }
  std::optional<int> status() const { return status_; }

 private:
  pid_t pid_ = -1;
  std::optional<int> status_;
};

struct Life {
  int index = 0;
  fs::path out_log, err_log;
  bool final = false;
  bool started = false;  // printed "started": get_or_create and start() returned
  std::string failure;   // empty: the life ended as planned
};

// What in a child's stderr means it failed even though it was killed as planned.
bool has_error_marker(const std::string& text) {
  for (const char* m : {"FAILED", "terminate called", "Sanitizer", "runtime error:"})
    if (text.find(m) != std::string::npos) return true;
  return false;
}

bool printed_started(const Life& life) {
  return read_text(life.out_log).find("started\n") != std::string::npos;
}

// ---- the job's outputs (save_as_text_files: <prefix>-<batch time ms>/part-NNNNN) ----

struct Outputs {
  std::map<long, std::vector<long>> ids;  // batch time -> the ids output by that batch
  std::map<long, std::map<std::string, long>> state, window;  // batch time -> key -> value
  EventOutputs event;  // evwin-, evupd-, evone-, late-, wm-<time>: their lines (check_event_time)
  std::vector<std::string> malformed;
};

// Lines of the complete part files of one batch directory (no hidden or temp files).
std::vector<std::string> batch_lines(const fs::path& dir) {
  std::vector<std::string> lines;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const auto name = it->path().filename().string();
    if (!name.starts_with("part-") || name.ends_with(".tmp")) continue;
    std::istringstream in(read_text(it->path()));
    for (std::string line; std::getline(in, line);) lines.push_back(line);
  }
  return lines;
}

// "(key,value)" as save_as_text_file prints a pair.
bool parse_pair(const std::string& line, std::string& key, long& value) {
  if (line.size() < 5 || line.front() != '(' || line.back() != ')') return false;
  const auto comma = line.rfind(',');
  if (comma == std::string::npos || comma < 2) return false;
  key = line.substr(1, comma - 1);
  return parse_long(std::string_view(line).substr(comma + 1, line.size() - comma - 2), value);
}

// Reads the batch directories <prefix>-<time>; hidden (in-progress) ones and anything
// else are skipped. Safe while the job writes: a directory replaced meanwhile is read
// partly or not at all, which only matters to polling (the checks read after the exit).
Outputs read_outputs(const fs::path& out, bool ids_only = false) {
  Outputs o;
  std::error_code ec;
  for (fs::directory_iterator it(out, ec), end; !ec && it != end; it.increment(ec)) {
    const auto name = it->path().filename().string();
    const auto dash = name.rfind('-');
    long t = 0;
    if (name.starts_with(".") || dash == std::string::npos ||
        !parse_long(std::string_view(name).substr(dash + 1), t))
      continue;
    const auto prefix = name.substr(0, dash);
    if (prefix == "ids") {
      auto& batch = o.ids[t];
      for (const auto& line : batch_lines(it->path())) {
        long id = 0;
        if (parse_long(line, id))
          batch.push_back(id);
        else
          o.malformed.push_back(name + ": '" + line + "'");
      }
    } else if (!ids_only && (prefix == "state" || prefix == "window")) {
      auto& batch = (prefix == "state" ? o.state : o.window)[t];
      for (const auto& line : batch_lines(it->path())) {
        std::string key;
        long value = 0;
        if (parse_pair(line, key, value) && !batch.contains(key))
          batch[key] = value;
        else
          o.malformed.push_back(name + ": '" + line + "'");
      }
    } else if (!ids_only && (prefix == "evwin" || prefix == "evupd" || prefix == "evone" ||
                             prefix == "late" || prefix == "wm")) {
      auto& m = prefix == "evwin"   ? o.event.windows
                : prefix == "evupd" ? o.event.updates
                : prefix == "evone" ? o.event.single_reader_windows
                : prefix == "late"  ? o.event.late
                                    : o.event.watermarks;
      m[t] = batch_lines(it->path());
    }
  }
  return o;
}

// How many of the ids 1..fed appear in the ids outputs.
long distinct_fed_ids_output(const fs::path& out, long fed) {
  std::vector<bool> seen(static_cast<std::size_t>(fed) + 1);
  long n = 0;
  for (const auto& [t, ids] : read_outputs(out, /*ids_only=*/true).ids)
    for (long id : ids)
      if (id >= 1 && id <= fed && !seen[static_cast<std::size_t>(id)]) {
        seen[static_cast<std::size_t>(id)] = true;
        ++n;
      }
  return n;
}

// Receiver scenario: the ids that FileTailReceiver may legitimately have stored twice,
// because a life was killed after a store() and before it wrote the new offset (see its
// journal in crash_job.cpp). Every "storing <from> <to>" with no "committed <to>" right
// after it names such a byte range of the input file. Returns, per id, how many extra
// copies may exist (ranges of successive unfinished stores overlap: each life re-reads
// from the last committed offset).
std::map<long, long> repeatable_ids(const fs::path& input, const fs::path& journal) {
  std::map<long, long> ids;
  const auto data = read_text(input);
  std::istringstream in(read_text(journal));
  std::optional<std::pair<long, long>> pending;
  auto add_range = [&](std::pair<long, long> r) {
    if (r.first < 0 || r.second > static_cast<long>(data.size()) || r.first > r.second) return;
    std::istringstream lines(data.substr(static_cast<std::size_t>(r.first),
                                         static_cast<std::size_t>(r.second - r.first)));
    for (std::string line; std::getline(lines, line);) {
      long id = 0;
      if (parse_long(line.substr(0, line.find(' ')), id)) ++ids[id];
    }
  };
  for (std::string line; std::getline(in, line);) {
    std::istringstream words(line);
    std::string what;
    long a = -1, b = -1;
    words >> what >> a;
    if (what == "storing" && (words >> b)) {
      if (pending) add_range(*pending);  // no commit followed it
      pending = std::pair{a, b};
    } else if (what == "committed" && pending && pending->second == a) {
      pending.reset();
    }
  }
  if (pending) add_range(*pending);
  return ids;
}

// "1-5, 9, 12-40" for a sorted list of ids.
std::string id_ranges(const std::vector<long>& ids) {
  std::string s;
  std::size_t shown = 0;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    std::size_t j = i;
    while (j + 1 < ids.size() && ids[j + 1] == ids[j] + 1) ++j;
    if (shown++ == 3 * kShown) return s + ", ...";
    if (!s.empty()) s += ", ";
    s += std::to_string(ids[i]) + (j > i ? "-" + std::to_string(ids[j]) : "");
    i = j;
  }
  return s;
}

std::string show_map(const std::map<std::string, long>& m) {
  std::string s = "{";
  for (const auto& [k, v] : m) s += (s.size() > 1 ? " " : "") + k + ":" + std::to_string(v);
  return s + "}";
}

// How a scenario feeds its job: start and stop the feeding thread, the records fed so
// far, and how many of the ids 1..fed the job's outputs show (polled by the final life).
struct Feed {
  std::function<void()> start, stop;
  std::function<long()> fed;
  std::function<long(long fed)> delivered;
};

struct Lives {
  std::vector<Life> lives;
  std::string fatal;  // a failure after which no later life was started
};

// Runs the job (job_args) kills + 1 times: each life but the last is SIGKILLed after a
// random time and followed by a random downtime (the seeded schedule), input fed the
// whole time from the first life's start; the final life gets no new input, runs until
// the outputs show every fed id (or stall), then is stopped with <out>/STOP.
Lives run_lives(const std::vector<std::string>& job_args, const fs::path& out, const fs::path& logs,
                long kills, std::uint32_t seed, Feed& feed) {
  std::mt19937 schedule(seed);
  std::uniform_int_distribution<int> life_ms(kLifeMinMs, kLifeMaxMs), down_ms(0, kDownMaxMs);
  bool feeding = false;
  Lives r;
  auto& lives = r.lives;
  auto& fatal = r.fatal;

  for (long i = 0; i <= kills && fatal.empty(); ++i) {
    Life life;
    life.index = static_cast<int>(i);
    life.final = i == kills;
    char name[32];
    std::snprintf(name, sizeof name, "life-%02d", life.index);
    life.out_log = logs / (std::string(name) + ".out");
    life.err_log = logs / (std::string(name) + ".err");
    if (life.final && feeding) feed.stop();  // the last life gets no new input
    ChildProcess child(job_args, life.out_log, life.err_log);

    if (i == 0) {
      // Input starts once the job's stream exists: a fresh text_file_stream skips the
      // files already there (Spark's newFilesOnly), and a fresh run has no checkpoint.
      const auto deadline = SteadyClock::now() + kStartLimit;
      while (child.running() && !printed_started(life) && SteadyClock::now() < deadline)
        std::this_thread::sleep_for(5ms);
      if (!printed_started(life)) {
        life.failure = child.running()
                           ? "did not start within 60 s"
                           : "exited before starting, " + describe_status(*child.status());
        fatal = "the first life did not start";
      } else {
        feed.start();
        feeding = true;
      }
    }

    if (fatal.empty() && !life.final) {
      const auto until = SteadyClock::now() + std::chrono::milliseconds(life_ms(schedule));
      while (child.running() && SteadyClock::now() < until) std::this_thread::sleep_for(5ms);
      if (!child.running())
        life.failure = "exited by itself, " + describe_status(*child.status());
      else if (!child.kill_and_reap())
        fatal = life.failure = "could not be reaped after SIGKILL";
      std::this_thread::sleep_for(std::chrono::milliseconds(down_ms(schedule)));  // down
    } else if (fatal.empty()) {
      if (kills == 0) {
        std::this_thread::sleep_for(kUninterruptedFeed);
        feed.stop();
      }
      const long fed = feed.fed();
      // Until every fed id was output, nothing new came for kStallLimit, or the limit.
      const auto start = SteadyClock::now();
      auto last_progress = start;
      long seen = -1;
      while (child.running() && SteadyClock::now() - start < kCatchUpLimit &&
             SteadyClock::now() - last_progress < kStallLimit) {
        const long n = feed.delivered(fed);
        if (n == fed) break;
        if (n > seen) {
          seen = n;
          last_progress = SteadyClock::now();
        }
        std::this_thread::sleep_for(200ms);
      }
      if (!child.running()) {
        life.failure = "exited before STOP, " + describe_status(*child.status());
      } else {
        std::ofstream(out / "STOP").flush();
        if (!child.wait_exit(kStopLimit)) {
          child.kill_and_reap();
          life.failure = "did not exit within 60 s of STOP";
        } else if (*child.status() != 0) {
          life.failure = "ended with " + describe_status(*child.status()) + " after STOP";
        }
      }
    }
    life.started = printed_started(life);
    if (life.failure.empty() && has_error_marker(read_text(life.err_log)))
      life.failure = "reported an error on stderr";
    lives.push_back(std::move(life));
  }
  feed.stop();
  return r;
}

// Writes each life that failed (with the first lines of its stderr), a feeder error and
// an early stop to details; returns how many lives failed.
long describe_failures(const std::vector<Life>& lives, const std::string& feeder_error,
                       const std::string& fatal, std::ostream& details) {
  long failed = 0;
  for (const auto& life : lives) {
    if (life.failure.empty()) continue;
    ++failed;
    details << "  life " << life.index << (life.final ? " (final)" : "") << " " << life.failure
            << "; first lines of " << life.err_log << ":\n"
            << first_lines(life.err_log, 6);
  }
  if (!feeder_error.empty()) details << "  feeder: " << feeder_error << "\n";
  if (!fatal.empty()) details << "  stopped early: " << fatal << "\n";
  return failed;
}

// The directories of one run, under a fresh temp dir (removed when the run passed).
struct RunDirs {
  fs::path root, ckpt, out, logs;
};

RunDirs make_run_dirs() {
  std::string tmpl = (fs::temp_directory_path() / "rill-crash-XXXXXX").string();
  if (!::mkdtemp(tmpl.data()))
    throw std::runtime_error("mkdtemp " + tmpl + ": " + std::strerror(errno));
  const fs::path root(tmpl);
  RunDirs d{root, root / "checkpoint", root / "out", root / "logs"};
  fs::create_directories(d.out);
  fs::create_directories(d.logs);
  return d;
}

// The seed and kills of a scenario (RILL_CRASH_SEED, RILL_KILLS), printed.
std::pair<std::uint32_t, long> seed_and_kills(const std::string& source,
                                              std::uint32_t default_seed) {
  const auto seed = static_cast<std::uint32_t>(env_long("RILL_CRASH_SEED", default_seed));
  const long kills = env_long("RILL_KILLS", 20);
  std::cout << "[ crash    ] " << source << ": seed " << seed << ", " << kills
            << " kills (RILL_CRASH_SEED, RILL_KILLS)" << std::endl;
  return {seed, kills};
}

// How often each fed id 1..fed is in the ids outputs (count[id]), and the ids output that
// were never fed.
struct IdCounts {
  std::vector<long> count;
  std::vector<long> unknown;  // sorted
};

IdCounts count_ids(const Outputs& o, long fed) {
  IdCounts c{std::vector<long>(static_cast<std::size_t>(fed) + 1, 0), {}};
  for (const auto& [t, ids] : o.ids)
    for (long id : ids) {
      if (id >= 1 && id <= fed)
        ++c.count[static_cast<std::size_t>(id)];
      else
        c.unknown.push_back(id);
    }
  std::sort(c.unknown.begin(), c.unknown.end());
  return c;
}

// ---- the test ----

struct Scenario {
  const char* source;  // the job's source kind
  std::uint32_t seed;
};

void PrintTo(const Scenario& s, std::ostream* os) {
  *os << s.source << ", seed " << s.seed;
}

class KillNine : public ::testing::TestWithParam<Scenario> {};

TEST_P(KillNine, EveryRecordOnceAndStateAndWindowsExactAfterSigkills) {
  const bool files = std::string(GetParam().source) == "files";
  const auto [seed, kills] = seed_and_kills(GetParam().source, GetParam().seed);
  const auto t0 = SteadyClock::now();
  const auto [root, ckpt, out, logs] = make_run_dirs();
  const auto input = files ? root / "input" : root / "input.txt";
  if (files)
    fs::create_directories(input);
  else
    std::ofstream(input).flush();

  Feeder feeder(files, input, seed + 1);
  Feed feed{[&] { feeder.start(); }, [&] { feeder.stop(); },
            [&] { return static_cast<long>(feeder.records().size()); },
            [&](long fed) { return distinct_fed_ids_output(out, fed); }};
  auto [lives, fatal] = run_lives({RILL_CRASH_JOB, GetParam().source, ckpt.string(), input.string(),
                                   out.string(), std::to_string(kIntervalMs)},
                                  out, logs, kills, seed, feed);
  feeder.stop();
  const auto run_seconds = std::chrono::duration<double>(SteadyClock::now() - t0).count();

  // ---- the checks: all on the outputs, none on timing ----
  const auto& records = feeder.records();
  const long fed = static_cast<long>(records.size());
  const Outputs o = read_outputs(out);
  const std::map<long, long> repeatable =
      files ? std::map<long, long>{} : repeatable_ids(input, fs::path(input.string() + ".journal"));
  std::ostringstream details;

  // (a) every fed id exactly once in the union of all ids outputs.
  const auto [count, unknown] = count_ids(o, fed);
  auto extra_copies = [&](long id) {  // allowed repeats of id actually output
    const auto it = repeatable.find(id);
    const long c = count[static_cast<std::size_t>(id)];
    return it != repeatable.end() && c > 1 && c <= 1 + it->second ? c - 1 : 0;
  };
  std::vector<long> lost, duplicated;
  long repeated = 0;  // allowed repeats (receiver: stored, killed before the offset write)
  for (long id = 1; id <= fed; ++id) {
    const long c = count[static_cast<std::size_t>(id)];
    if (c == 0) lost.push_back(id);
    if (const long extra = extra_copies(id); extra > 0)
      repeated += extra;
    else if (c > 1)
      duplicated.push_back(id);
  }
  if (!lost.empty()) details << "  lost ids: " << id_ranges(lost) << "\n";
  if (!duplicated.empty()) details << "  duplicated ids: " << id_ranges(duplicated) << "\n";
  if (!unknown.empty()) details << "  ids never fed: " << id_ranges(unknown) << "\n";
  for (std::size_t i = 0; i < o.malformed.size() && i < kShown; ++i)
    details << "  malformed output line: " << o.malformed[i] << "\n";

  // (b) the state of the newest batch: the sum per key over every record output (all
  // fed records once, plus the allowed repeats).
  std::map<std::string, long> want_state;
  for (const auto& r : records) {
    want_state[r.key] += r.value * (1 + extra_copies(r.id));
  }
  long state_mismatches = 0;
  if (o.state.empty()) {
    state_mismatches = static_cast<long>(want_state.size());
    details << "  no state output at all\n";
  } else {
    const auto& [t, got] = *o.state.rbegin();
    std::set<std::string> keys;
    for (const auto& [k, v] : got) keys.insert(k);
    for (const auto& [k, v] : want_state) keys.insert(k);
    for (const auto& k : keys) {
      if (got.contains(k) && want_state.contains(k) && got.at(k) == want_state.at(k)) continue;
      if (state_mismatches++ < static_cast<long>(kShown))
        details << "  state-" << t << " " << k << ": got "
                << (got.contains(k) ? std::to_string(got.at(k)) : "nothing") << ", want "
                << (want_state.contains(k) ? std::to_string(want_state.at(k)) : "nothing") << "\n";
    }
  }

  // (c) each window at T: per key, the sum over the records output by the batches in
  // (T - window, T]. Keys whose sum is 0 may be there (with 0) or not.
  std::map<long, const Record*> by_id;
  for (const auto& r : records) by_id[r.id] = &r;
  long window_mismatches = 0;
  for (const auto& [t, got] : o.window) {
    std::map<std::string, long> want;
    for (auto it = o.ids.upper_bound(t - kWindowMs); it != o.ids.end() && it->first <= t; ++it)
      for (long id : it->second)
        if (auto r = by_id.find(id); r != by_id.end()) want[r->second->key] += r->second->value;
    bool ok = true;
    for (const auto& [k, v] : got) ok = ok && v == (want.contains(k) ? want[k] : 0);
    for (const auto& [k, v] : want) ok = ok && (v == 0 || got.contains(k));
    if (ok) continue;
    if (window_mismatches++ < static_cast<long>(kShown))
      details << "  window-" << t << ": got " << show_map(got) << ", want " << show_map(want)
              << "\n";
  }

  // (d) event time: per batch, the watermark in effect, the late records and the windows
  // closed equal API.md's rules applied to the batches as the ids outputs show them.
  std::map<long, std::pair<std::string, long>> key_value;
  for (const auto& r : records) key_value[r.id] = {r.key, r.value};
  const long event_mismatches = check_event_time(o.ids, key_value, o.event, details, kShown);

  // (e) every life ran until it was killed (the last: until STOP, then exit 0).
  const long failed = describe_failures(lives, feeder.error(), fatal, details);

  const long started =
      std::count_if(lives.begin(), lives.end(), [](const Life& l) { return l.started; });
  std::ostringstream summary;
  summary << "records lost: " << lost.size() << " of " << fed
          << ", duplicated: " << duplicated.size() << ", state mismatches: " << state_mismatches
          << ", window mismatches: " << window_mismatches << " of " << o.window.size()
          << ", event-time mismatches: " << event_mismatches << " of " << o.event.watermarks.size()
          << " batches"
          << ", failed restarts: " << failed << " of " << lives.size() << " lives";
  std::ostringstream info;
  info << GetParam().source << ", seed " << seed << ", " << kills << " kills, " << started << " of "
       << lives.size() << " lives reached start(), " << o.ids.size() << " batches output";
  if (!o.ids.empty())
    info << " (times " << o.ids.begin()->first << ".." << o.ids.rbegin()->first << ")";
  if (!files) info << ", " << repeated << " allowed repeats";
  auto lines_in = [](const BatchLines& m) {
    std::size_t n = 0;
    for (const auto& [t, lines] : m) n += lines.size();
    return n;
  };
  info << ", event time: " << lines_in(o.event.late) << " late records, "
       << lines_in(o.event.windows) << " windows closed, " << lines_in(o.event.updates)
       << " window updates";
  info << ", " << run_seconds << " s";
  std::cout << "[ crash    ] " << summary.str() << "\n[ crash    ] " << info.str() << std::endl;

  const bool ok = lost.empty() && duplicated.empty() && unknown.empty() && o.malformed.empty() &&
                  state_mismatches == 0 && window_mismatches == 0 && event_mismatches == 0 &&
                  failed == 0 && feeder.error().empty() && fatal.empty();
  EXPECT_TRUE(ok) << summary.str() << "\n"
                  << info.str() << "\n"
                  << details.str() << "  (outputs, checkpoint and logs kept in " << root << ")";
  if (ok) {
    std::error_code ec;
    fs::remove_all(root, ec);
  }
}

INSTANTIATE_TEST_SUITE_P(Sources, KillNine,
                         ::testing::Values(Scenario{"files", 4242}, Scenario{"receiver", 4343}),
                         [](const auto& info) { return std::string(info.param.source); });

// ---- JetStream -> SQLite: the direct stream's ranges in the checkpoint, the sink's
// batch times in the database: every published message is one row, none twice ----

// The rows of a query's first one or two integer/text columns, or nothing while the
// database or table does not exist yet (the job creates them).
std::vector<std::pair<std::string, long>> query(const fs::path& db, const std::string& sql) {
  std::vector<std::pair<std::string, long>> rows;
  sqlite3* h = nullptr;
  if (sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_busy_timeout(h, 5000);
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(h, sql.c_str(), -1, &st, nullptr) == SQLITE_OK)
      while (sqlite3_step(st) == SQLITE_ROW) {
        const auto* text = sqlite3_column_text(st, 0);
        rows.emplace_back(text ? reinterpret_cast<const char*>(text) : "",
                          sqlite3_column_count(st) > 1 ? sqlite3_column_int64(st, 1) : 0);
      }
    sqlite3_finalize(st);
  }
  sqlite3_close(h);
  return rows;
}

TEST(KillNineJetStream, EveryMessageOnceInSqliteAfterSigkills) {
  const auto [seed, kills] = seed_and_kills("jetstream", 4444);
  const auto t0 = SteadyClock::now();
  test::NatsServer server;
  test::NatsPublisher publisher(server.url());
  publisher.add_stream("CRASH", {"crash.a", "crash.b"});
  const auto [root, ckpt, out, logs] = make_run_dirs();
  const auto db = out / "out.db";

  // crash.a for even keys, crash.b for odd ones.
  Feeder feeder(
      [&](int key, const std::string& line) {
        publisher.publish_async(key % 2 ? "crash.b" : "crash.a", line);
      },
      [&] { publisher.flush(); }, seed + 1);
  Feed feed{[&] { feeder.start(); }, [&] { feeder.stop(); },
            [&] { return static_cast<long>(feeder.records().size()); },
            [&](long fed) {
              auto n = query(
                  db, "SELECT COUNT(DISTINCT id) FROM records WHERE id <= " + std::to_string(fed));
              return n.empty() ? 0L : std::stol(n[0].first);
            }};
  auto [lives, fatal] = run_lives({RILL_CRASH_JOB, "jetstream", ckpt.string(), server.url(),
                                   out.string(), std::to_string(kIntervalMs)},
                                  out, logs, kills, seed, feed);
  feeder.stop();
  const auto run_seconds = std::chrono::duration<double>(SteadyClock::now() - t0).count();

  // ---- the checks, on the database ----
  const auto& records = feeder.records();
  const long fed = static_cast<long>(records.size());
  std::ostringstream details;
  std::vector<long> count(static_cast<std::size_t>(fed) + 1, 0), unknown;
  for (const auto& [id_text, rows] : query(db, "SELECT id, COUNT(*) FROM records GROUP BY id")) {
    const long id = std::stol(id_text);
    if (id >= 1 && id <= fed)
      count[static_cast<std::size_t>(id)] = rows;
    else
      unknown.push_back(id);
  }
  std::vector<long> lost, duplicated;
  for (long id = 1; id <= fed; ++id) {
    if (count[static_cast<std::size_t>(id)] == 0) lost.push_back(id);
    if (count[static_cast<std::size_t>(id)] > 1) duplicated.push_back(id);
  }
  if (!lost.empty()) details << "  lost ids: " << id_ranges(lost) << "\n";
  if (!duplicated.empty()) details << "  duplicated ids: " << id_ranges(duplicated) << "\n";
  if (!unknown.empty()) details << "  ids never fed: " << id_ranges(unknown) << "\n";
  // Each stream sequence once: the row of a message is the row of one message.
  const auto seq_rows = query(db, "SELECT COUNT(*) - COUNT(DISTINCT sequence), 0 FROM records");
  const long repeated_sequences = seq_rows.empty() ? -1 : std::stol(seq_rows[0].first);
  if (repeated_sequences != 0)
    details << "  sequences in more than one row: " << repeated_sequences << "\n";

  // The upserted running sums equal a serial sum over every fed record.
  std::map<std::string, long> want_state, got_state;
  for (const auto& r : records) want_state[r.key] += r.value;
  for (const auto& [k, v] : query(db, "SELECT key, sum FROM state")) got_state[k] = v;
  long state_mismatches = 0;
  if (got_state != want_state) {
    state_mismatches = 1;
    details << "  state: got " << show_map(got_state) << ", want " << show_map(want_state) << "\n";
  }
  const long failed = describe_failures(lives, feeder.error(), fatal, details);

  std::ostringstream summary;
  summary << "messages lost: " << lost.size() << " of " << fed
          << ", rows duplicated: " << duplicated.size()
          << ", state mismatches: " << state_mismatches << ", failed restarts: " << failed << " of "
          << lives.size() << " lives, " << run_seconds << " s";
  std::cout << "[ crash    ] " << summary.str() << std::endl;
  const bool ok = lost.empty() && duplicated.empty() && unknown.empty() &&
                  repeated_sequences == 0 && state_mismatches == 0 && failed == 0 &&
                  feeder.error().empty() && fatal.empty() && fed > 0;
  EXPECT_TRUE(ok) << summary.str() << "\n"
                  << details.str() << "  (database, checkpoint and logs kept in " << root << ")";
  if (ok) {
    std::error_code ec;
    fs::remove_all(root, ec);
  }
}

// ---- MQTT -> text files: QoS 1, a persistent session and the write-ahead log; the
// receiver acknowledges a message only once the block holding it is durable, so the
// broker redelivers everything a killed life had not logged: every published message is
// output at least once. Duplicates (logged, killed before the acknowledgement) are
// allowed and counted. ----

TEST(KillNineMqtt, EveryMessageAtLeastOnceAfterSigkills) {
  const auto [seed, kills] = seed_and_kills("mqtt", 4545);
  const auto t0 = SteadyClock::now();
  test::MosquittoBroker broker;
  // The job's session exists before its first life: nothing published is dropped for
  // want of a subscriber (crash_job.cpp, kMqttClientId).
  test::subscribe_offline_session(broker.port(), "rill-crash-job", "crash/#", 1);
  test::MqttPublisher publisher(broker.port(), "rill-crash-publisher");
  const auto [root, ckpt, out, logs] = make_run_dirs();

  Feeder feeder(
      [&](int key, const std::string& line) {
        publisher.publish("crash/k" + std::to_string(key), line, 1);
      },
      [&] { publisher.wait_acked(); }, seed + 1);
  Feed feed{[&] { feeder.start(); }, [&] { feeder.stop(); },
            [&] { return static_cast<long>(feeder.records().size()); },
            [&](long fed) { return distinct_fed_ids_output(out, fed); }};
  auto [lives, fatal] = run_lives({RILL_CRASH_JOB, "mqtt", ckpt.string(), broker.uri(),
                                   out.string(), std::to_string(kIntervalMs)},
                                  out, logs, kills, seed, feed);
  feeder.stop();
  const auto run_seconds = std::chrono::duration<double>(SteadyClock::now() - t0).count();

  const long fed = static_cast<long>(feeder.records().size());
  const Outputs o = read_outputs(out, /*ids_only=*/true);
  const auto [count, unknown] = count_ids(o, fed);
  std::vector<long> lost;
  long duplicates = 0, duplicated = 0;
  for (long id = 1; id <= fed; ++id) {
    const long c = count[static_cast<std::size_t>(id)];
    if (c == 0) lost.push_back(id);
    duplicates += std::max(c - 1, 0L);
    duplicated += c > 1;
  }
  std::ostringstream details;
  if (!lost.empty()) details << "  lost ids: " << id_ranges(lost) << "\n";
  if (!unknown.empty()) details << "  ids never fed: " << id_ranges(unknown) << "\n";
  for (std::size_t i = 0; i < o.malformed.size() && i < kShown; ++i)
    details << "  malformed output line: " << o.malformed[i] << "\n";
  const long failed = describe_failures(lives, feeder.error(), fatal, details);

  std::ostringstream summary;
  summary << "messages lost: " << lost.size() << " of " << fed << ", duplicates: " << duplicates
          << " (" << duplicated << " ids; at-least-once), failed restarts: " << failed << " of "
          << lives.size() << " lives, " << o.ids.size() << " batches output, " << run_seconds
          << " s";
  std::cout << "[ crash    ] " << summary.str() << std::endl;
  RecordProperty("duplicates", static_cast<int>(duplicates));
  const bool ok = lost.empty() && unknown.empty() && o.malformed.empty() && failed == 0 &&
                  feeder.error().empty() && fatal.empty() && fed > 0;
  EXPECT_TRUE(ok) << summary.str() << "\n"
                  << details.str() << "  (outputs, checkpoint and logs kept in " << root
                  << "; broker log:\n"
                  << broker.log() << ")";
  if (ok) {
    std::error_code ec;
    fs::remove_all(root, ec);
  }
}

}  // namespace
}  // namespace rill::crash_test
