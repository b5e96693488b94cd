// rill_crash_job: the streaming job that tests/crash/crash_test.cpp kills with SIGKILL and
// restarts. It is a production-style job: StreamingContext::get_or_create on a checkpoint
// directory, the system clock, outputs written with save_as_text_files (exactly-once per
// batch time). It runs until <output dir>/STOP exists, then stops gracefully and exits 0.
//
//   rill_crash_job files|receiver|jetstream|mqtt <checkpoint dir> <input> <output dir>
//   [interval ms = 50]
//
// files:    <input> is a directory read with text_file_stream.
// receiver: <input> is a file that the test appends to, read by FileTailReceiver with the
//           write-ahead log on; its offset is kept in <input>.offset and every store is
//           journalled in <input>.journal (see FileTailReceiver).
// jetstream: <input> is a NATS URL; the job reads the JetStream stream CRASH (subjects
//           crash.a and crash.b, one partition each) with jetstream_direct_stream.
// mqtt:     <input> is a broker URI; the job reads crash/# at QoS 1 with mqtt_stream
//           (client id kMqttClientId, persistent session, write-ahead log on) and writes
//           only ids-<time>: at-least-once input has duplicates, so no state or windows.
// Records are lines "id key value" (jetstream: message payloads). Outputs under <output
// dir>: ids-<time> (the id of each record of the batch), state-<time> (update_state_by_key:
// running sum of value per key), window-<time> (reduce_by_key_and_window with inverse: sum
// per key over 4 intervals), evwin-<time>, evupd-<time>, late-<time> and wm-<time>
// (event-time windows, late records and watermarks; see build_event_time); jetstream:
// the SQLite database out.db instead, table records (sequence, id, key, value; SqliteSink
// append) and table state (key, sum; upsert).
// Prints "started" on stdout once ssc.start() returned; any failure is printed to stderr
// as "rill_crash_job: FAILED: ..." and exits 2.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <rill/rill.hpp>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "crash_event_time.hpp"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string_view field(std::string_view line, int index) {
  std::size_t pos = 0;
  for (int i = 0; i < index; ++i) {
    pos = line.find(' ', pos);
    if (pos == std::string_view::npos) return {};
    ++pos;
  }
  const auto end = line.find(' ', pos);
  return line.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
}

long to_long(std::string_view s, const std::string& line) {
  long v = 0;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || p != s.data() + s.size())
    throw std::runtime_error("malformed record '" + line + "'");
  return v;
}

long record_id(const std::string& line) {
  return to_long(field(line, 0), line);
}

std::pair<std::string, long> record_pair(const std::string& line) {
  return {std::string(field(line, 1)), to_long(field(line, 2), line)};
}

std::string errno_text(const std::string& what, const std::string& path) {
  return what + " " + path + ": " + std::strerror(errno);
}

// A receiver over a replayable source: the lines appended to a file. Its position (bytes
// read and stored) survives restarts in offset_file, advanced only after
// store(std::vector) returned, i.e. once the block is durable (API.md, "Time and receivers
// after a restart"). Hence a kill after store() returned and before the offset is
// written re-reads that block: at-least-once by design. The journal lets the test tell
// those repeats from real duplicates: "storing <from> <to>" is appended before a store
// and "committed <to>" after the offset was written; a store with no commit after it
// marks bytes [from, to) of the input as possibly stored twice.
class FileTailReceiver final : public rill::Receiver<std::string> {
 public:
  FileTailReceiver(std::string input, std::string offset_file, std::string journal)
      : input_(std::move(input)),
        offset_file_(std::move(offset_file)),
        journal_(std::move(journal)) {}

  std::string name() const override { return "FileTailReceiver(" + input_ + ")"; }

  void on_start() override {
    std::uint64_t offset = read_offset();
    std::vector<char> buf(64 * 1024);
    while (!is_stopped()) {
      auto [lines, next] = read_lines(offset, buf);
      if (lines.empty()) {
        std::this_thread::sleep_for(5ms);
        continue;
      }
      append_journal("storing " + std::to_string(offset) + " " + std::to_string(next) + "\n");
      store(std::move(lines));  // returns once the block is durable
      write_offset(next);
      append_journal("committed " + std::to_string(next) + "\n");
      offset = next;
    }
  }
  void on_stop() override {}

 private:
  static constexpr std::size_t kMaxLines = 200;

  // Up to kMaxLines complete lines at offset, and the offset after the last one; a
  // partial last line is left for a later read.
  std::pair<std::vector<std::string>, std::uint64_t> read_lines(std::uint64_t offset,
                                                                std::vector<char>& buf) const {
    std::vector<std::string> lines;
    const int fd = ::open(input_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      if (errno == ENOENT) return {lines, offset};
      throw std::runtime_error(errno_text("cannot open", input_));
    }
    const auto n = ::pread(fd, buf.data(), buf.size(), static_cast<off_t>(offset));
    const int saved = errno;
    ::close(fd);
    if (n < 0) {
      errno = saved;
      throw std::runtime_error(errno_text("cannot read", input_));
    }
    std::size_t start = 0;
    for (std::size_t i = 0; i < static_cast<std::size_t>(n) && lines.size() < kMaxLines; ++i) {
      if (buf[i] != '\n') continue;
      lines.emplace_back(buf.data() + start, i - start);
      start = i + 1;
    }
    return {std::move(lines), offset + start};
  }

  std::uint64_t read_offset() const {
    std::error_code ec;
    if (!fs::exists(offset_file_, ec)) return 0;
    const int fd = ::open(offset_file_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw std::runtime_error(errno_text("cannot open", offset_file_));
    char text[32] = {};
    const auto n = ::read(fd, text, sizeof text - 1);
    ::close(fd);
    std::uint64_t v = 0;
    const auto [p, err] = std::from_chars(text, text + (n > 0 ? n : 0), v);
    if (n <= 0 || err != std::errc{} || *p != '\n')
      throw std::runtime_error("malformed offset file " + offset_file_);
    return v;
  }

  // Write to a temp file and rename: a reader (the next life) sees the old or the new
  // offset, never a torn one. No fsync: the test kills the process, not the machine, and
  // the page cache survives a SIGKILL.
  void write_offset(std::uint64_t offset) const {
    const auto tmp = offset_file_ + ".tmp";
    write_file(tmp, std::to_string(offset) + "\n", O_WRONLY | O_CREAT | O_TRUNC);
    if (::rename(tmp.c_str(), offset_file_.c_str()) != 0)
      throw std::runtime_error(errno_text("cannot rename to", offset_file_));
  }

  void append_journal(const std::string& line) const {
    write_file(journal_, line, O_WRONLY | O_CREAT | O_APPEND);
  }

  static void write_file(const std::string& path, const std::string& text, int flags) {
    const int fd = ::open(path.c_str(), flags | O_CLOEXEC, 0644);
    if (fd < 0) throw std::runtime_error(errno_text("cannot open", path));
    const auto n = ::write(fd, text.data(), text.size());  // one write: all or nothing here
    const int saved = errno;
    ::close(fd);
    errno = saved;
    if (n != static_cast<ssize_t>(text.size()))
      throw std::runtime_error(errno_text("cannot write", path));
  }

  std::string input_, offset_file_, journal_;
};

// The test creates this persistent session (subscribed to crash/#) before the first life,
// so that the broker queues what is published before the job first subscribes.
constexpr const char* kMqttClientId = "rill-crash-job";

struct Args {
  bool receiver = false;
  bool jetstream = false;
  bool mqtt = false;
  std::string checkpoint, input, output;
  rill::Duration interval{50};
};

Args parse_args(int argc, char** argv) {
  if (argc < 5 || argc > 6)
    throw std::invalid_argument(
        "usage: rill_crash_job files|receiver|jetstream|mqtt <checkpoint dir> <input> <output "
        "dir> [interval ms]");
  Args a;
  const std::string kind = argv[1];
  if (kind != "files" && kind != "receiver" && kind != "jetstream" && kind != "mqtt")
    throw std::invalid_argument(
        "source kind must be 'files', 'receiver', 'jetstream' or 'mqtt', not '" + kind + "'");
  a.receiver = kind == "receiver";
  a.jetstream = kind == "jetstream";
  a.mqtt = kind == "mqtt";
  a.checkpoint = argv[2];
  a.input = argv[3];
  a.output = argv[4];
  if (argc == 6) a.interval = rill::Duration{to_long(argv[5], argv[5])};
  return a;
}

// JetStream -> SQLite: every message a row of `records` exactly once (the batch's range
// is in the checkpoint, the sink skips a batch time it committed), the running sums per
// key upserted into `state`.
void build_jetstream(rill::StreamingContext& ssc, const Args& a) {
  auto messages = rill::jetstream_direct_stream(ssc, a.input, "CRASH", {"crash.a", "crash.b"});
  const auto db = (fs::path(a.output) / "out.db").string();
  messages
      .map([](const rill::JetStreamMessage& m) {
        auto [key, value] = record_pair(m.payload);
        return std::tuple{static_cast<std::int64_t>(m.sequence), record_id(m.payload), key, value};
      })
      .foreach_rdd(rill::SqliteSink<std::tuple<std::int64_t, long, std::string, long>>(
          db, "records", {"sequence", "id", "key", "value"}, rill::SinkMode::append));
  messages.map([](const rill::JetStreamMessage& m) { return record_pair(m.payload); })
      .update_state_by_key([](const std::vector<long>& values, std::optional<long> sum) {
        long s = sum.value_or(0);
        for (long v : values) s += v;
        return std::optional<long>(s);
      })
      .foreach_rdd(rill::SqliteSink<std::pair<std::string, long>>(db, "state", {"key", "sum"},
                                                                  rill::SinkMode::upsert));
}

// MQTT -> ids-<time>: every message's id, at least once (the broker redelivers what was
// logged but not yet acknowledged when the job was killed).
void build_mqtt(rill::StreamingContext& ssc, const Args& a) {
  ssc.mqtt_stream(a.input, "crash/#", 1, rill::MqttOptions{.client_id = kMqttClientId})
      .map([](const rill::MqttMessage& m) { return record_id(m.payload); })
      .save_as_text_files((fs::path(a.output) / "ids").string());
}

// Event time (crash_event_time.hpp): per batch, the (window, key) sums that closed
// (evwin-<time>: "start end key sum", append mode; evone-<time>: the same from a chain of
// its own), those the batch changed (evupd-<time>, update mode), the late records' ids
// (late-<time>) and the watermark in effect (wm-<time>: ms, or "none").
void build_event_time(rill::DStream<std::string>& lines, const fs::path& out) {
  using namespace rill::crash_test;
  auto event_time = [](const std::string& line) {
    return rill::Time{event_time_ms(record_id(line))};
  };
  auto timed = lines.with_watermark(event_time, rill::Duration{kEventDelayMs});
  auto save_windows = [&](const rill::EventStream<std::pair<std::string, long>>& pairs,
                          rill::OutputMode mode, const char* prefix) {
    pairs
        .reduce_by_key_and_window(std::plus<>{}, rill::Duration{kEventWindowMs},
                                  rill::Duration{kEventSlideMs}, mode)
        .map([](const rill::Windowed<std::pair<std::string, long>>& w) {
          return std::to_string(w.start.count()) + " " + std::to_string(w.end.count()) + " " +
                 w.value.first + " " + std::to_string(w.value.second);
        })
        .save_as_text_files((out / prefix).string());
  };
  auto pairs = timed.map(record_pair);
  save_windows(pairs, rill::OutputMode::append, "evwin");
  save_windows(pairs, rill::OutputMode::update, "evupd");
  // The same append windows again (evone-<time>) from a chain nothing else reads: its
  // window takes the records straight from the tag and map passes, nothing cached.
  save_windows(lines.with_watermark(event_time, rill::Duration{kEventDelayMs}).map(record_pair),
               rill::OutputMode::append, "evone");
  timed.late_records().map(record_id).save_as_text_files((out / "late").string());
  timed.watermarks()
      .map([](rill::Time wm) {
        return wm == rill::Time::min() ? std::string("none") : std::to_string(wm.count());
      })
      .save_as_text_files((out / "wm").string());
}

rill::StreamingContext build(const Args& a) {
  // The Context's own checkpoint directory (lineage checkpoints) is per process and under
  // the test's directory: a killed process cannot remove a directory under /tmp.
  const auto ctx_dir = a.checkpoint + "-context/" + std::to_string(::getpid());
  rill::Context ctx(rill::Config{
      .parallelism = 2, .checkpoint_dir = ctx_dir, .write_ahead_log = a.receiver || a.mqtt});
  rill::StreamingContext ssc(ctx, a.interval);
  if (a.jetstream) {
    build_jetstream(ssc, a);
    return ssc;
  }
  if (a.mqtt) {
    build_mqtt(ssc, a);
    return ssc;
  }
  auto lines = a.receiver ? ssc.receiver_stream(std::make_unique<FileTailReceiver>(
                                a.input, a.input + ".offset", a.input + ".journal"))
                          : ssc.text_file_stream(a.input);
  const auto out = fs::path(a.output);
  lines.map(record_id).save_as_text_files((out / "ids").string());
  auto pairs = lines.map(record_pair);
  pairs
      .update_state_by_key([](const std::vector<long>& values, std::optional<long> sum) {
        long s = sum.value_or(0);
        for (long v : values) s += v;
        return std::optional<long>(s);
      })
      .save_as_text_files((out / "state").string());
  pairs.reduce_by_key_and_window(std::plus<>{}, std::minus<>{}, 4 * a.interval, a.interval)
      .save_as_text_files((out / "window").string());
  build_event_time(lines, out);
  return ssc;
}

int run(int argc, char** argv) {
  const Args a = parse_args(argc, argv);
  auto ssc = rill::StreamingContext::get_or_create(a.checkpoint, [&] { return build(a); });
  ssc.start();
  std::cout << "started" << std::endl;
  const auto stop_file = fs::path(a.output) / "STOP";
  std::error_code ec;
  while (!fs::exists(stop_file, ec)) {
    // Also rethrows the first error of a batch.
    if (ssc.await_termination_or_timeout(20ms))
      throw std::runtime_error("the streaming context terminated before STOP appeared");
  }
  ssc.stop(/*stop_context=*/true, /*graceful=*/true);
  std::cout << "stopped" << std::endl;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "rill_crash_job: FAILED: " << e.what() << std::endl;
    return 2;
  }
}
