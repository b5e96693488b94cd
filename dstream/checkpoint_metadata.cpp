#include <charconv>
#include <limits>
#include <map>
#include <rill/dstream/checkpoint_metadata.hpp>
#include <set>
#include <sstream>
#include <stdexcept>

namespace rill::detail {
namespace {

// Versions 1 and 2 were this header line and the body, without a frame or checksum.
constexpr std::string_view kOldTextHeader = "rill-streaming-metadata";
// More partitions than any real RDD has: a larger count is damage, not data.
constexpr long long kMaxPartitions = 1 << 20;

std::vector<std::string_view> split_words(std::string_view line) {
  std::vector<std::string_view> words;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && line[i] == ' ') ++i;
    const auto start = i;
    while (i < line.size() && line[i] != ' ') ++i;
    if (i > start) words.push_back(line.substr(start, i - start));
  }
  return words;
}

}  // namespace

std::string CheckpointMetadata::body() const {
  std::ostringstream os;
  os << "batch_interval_ms " << batch_interval.count() << '\n'
     << "zero_time_ms " << zero.count() << '\n'
     << "last_completed_batch_ms " << (last_completed ? last_completed->count() : -1) << '\n'
     << "recoverable " << (recoverable ? 1 : 0) << '\n';
  for (const auto& s : streams) os << "stream " << s.id << ' ' << s.op << '\n';
  for (const auto& r : rdds)
    os << "rdd " << r.stream_id << ' ' << r.time.count() << ' ' << r.partitions << ' ' << r.dir
       << '\n';
  return std::move(os).str();
}

void CheckpointMetadata::write(const std::filesystem::path& dir) const {
  const auto path = file(dir);
  try {
    write_checked_file(path, kCheckpointMetadataFile, body());
  } catch (const std::exception& e) {
    throw std::runtime_error("cannot write checkpoint metadata " + path.string() + ": " + e.what());
  }
}

CheckpointMetadata CheckpointMetadata::parse(std::string_view body,
                                             const std::filesystem::path& path) {
  auto corrupt = [&](const std::string& why) {
    return std::runtime_error("checkpoint metadata " + path.string() + " is corrupt: " + why);
  };
  CheckpointMetadata m;
  std::map<std::string, int> seen;  // the single-valued keys
  std::set<int> stream_ids;
  std::set<std::pair<int, long long>> rdd_keys;
  std::size_t pos = 0;
  while (pos < body.size()) {
    const auto eol = body.find('\n', pos);
    if (eol == std::string_view::npos) throw corrupt("the last line has no line end");
    const auto line = body.substr(pos, eol - pos);
    pos = eol + 1;
    const auto words = split_words(line);
    if (words.empty()) continue;
    const std::string key(words[0]);
    auto in_line = [&] { return " in line '" + std::string(line) + "'"; };
    auto expect_words = [&](std::size_t n) {
      if (words.size() != n)
        throw corrupt("expected " + std::to_string(n - 1) + " values after '" + key + "'" +
                      in_line());
    };
    auto number = [&](std::size_t i, const char* what) {
      long long v = 0;
      const auto w = words[i];
      const auto [end, ec] = std::from_chars(w.data(), w.data() + w.size(), v);
      if (ec != std::errc{} || end != w.data() + w.size())
        throw corrupt(std::string("bad ") + what + " '" + std::string(w) + "'" + in_line());
      return v;
    };
    auto once = [&] {
      if (++seen[key] > 1) throw corrupt("'" + key + "' given twice");
    };
    if (key == "batch_interval_ms") {
      expect_words(2), once();
      m.batch_interval = Duration{number(1, "batch interval")};
      if (m.batch_interval.count() < 0)
        throw corrupt("negative batch interval " + std::to_string(m.batch_interval.count()) +
                      " ms");
    } else if (key == "zero_time_ms") {
      expect_words(2), once();
      m.zero = Time{number(1, "zero time")};
      if (m.zero.count() < 0)
        throw corrupt("negative zero time " + std::to_string(m.zero.count()) + " ms");
    } else if (key == "last_completed_batch_ms") {
      expect_words(2), once();
      const auto v = number(1, "last completed batch");
      if (v < -1) throw corrupt("last completed batch " + std::to_string(v) + " ms");
      if (v >= 0) m.last_completed = Time{v};
    } else if (key == "recoverable") {
      expect_words(2), once();
      const auto v = number(1, "recoverable flag");
      if (v != 0 && v != 1) throw corrupt("recoverable flag " + std::to_string(v));
      m.recoverable = v == 1;
    } else if (key == "stream") {
      expect_words(3);
      const auto id = number(1, "stream id");
      if (id < 0 || id > std::numeric_limits<int>::max() || !stream_ids.insert(int(id)).second)
        throw corrupt("bad or repeated stream id " + std::to_string(id) + in_line());
      m.streams.push_back({static_cast<int>(id), std::string(words[2])});
    } else if (key == "rdd") {
      expect_words(5);
      const auto id = number(1, "stream id");
      const auto time = number(2, "batch time");
      const auto parts = number(3, "partition count");
      if (id < 0 || id > std::numeric_limits<int>::max() || !stream_ids.count(int(id)))
        throw corrupt("checkpoint of stream " + std::to_string(id) +
                      ", which no stream line lists" + in_line());
      if (!rdd_keys.insert({int(id), time}).second)
        throw corrupt("two checkpoints of stream " + std::to_string(id) + " at " +
                      std::to_string(time) + " ms");
      if (parts < 0 || parts > kMaxPartitions)
        throw corrupt("partition count " + std::to_string(parts) + in_line());
      // Exactly the name the writer gives it: relative, no "..", nothing else to trust.
      const auto want = "stream-" + std::to_string(id) + "/batch-" + std::to_string(time);
      if (words[4] != want)
        throw corrupt("rdd directory '" + std::string(words[4]) + "', expected '" + want + "'" +
                      in_line());
      m.rdds.push_back({static_cast<int>(id), Time{time}, static_cast<std::size_t>(parts), want});
    } else {
      throw corrupt("unknown line '" + std::string(line) + "'");
    }
  }
  for (const char* k :
       {"batch_interval_ms", "zero_time_ms", "last_completed_batch_ms", "recoverable"})
    if (!seen.count(k)) throw corrupt(std::string("'") + k + "' missing");
  // Batch times are zero + n * interval (start() aligns the zero to the interval too).
  const auto interval = m.batch_interval.count();
  auto on_grid = [&](long long t) { return interval == 0 || (t - m.zero.count()) % interval == 0; };
  if (m.recoverable && interval <= 0)
    throw corrupt("batch interval " + std::to_string(interval) +
                  " ms; a recoverable context has one above 0");
  if (interval > 0 && m.zero.count() % interval != 0)
    throw corrupt("zero time " + std::to_string(m.zero.count()) + " ms is not a multiple of the " +
                  std::to_string(interval) + " ms batch interval");
  if (m.last_completed) {
    const auto last = m.last_completed->count();
    if (last <= m.zero.count())
      throw corrupt("last completed batch " + std::to_string(last) +
                    " ms is not after the zero time " + std::to_string(m.zero.count()) + " ms");
    if (!on_grid(last))
      throw corrupt("last completed batch " + std::to_string(last) +
                    " ms is not on the batch grid (zero time " + std::to_string(m.zero.count()) +
                    " ms + n * " + std::to_string(interval) + " ms)");
  }
  for (const auto& r : m.rdds) {
    const auto t = r.time.count();
    if (!m.last_completed || t > m.last_completed->count() || t <= m.zero.count())
      throw corrupt("checkpoint " + r.dir + " of batch " + std::to_string(t) +
                    " ms is not between the zero time " + std::to_string(m.zero.count()) +
                    " ms and the last completed batch " +
                    (m.last_completed ? std::to_string(m.last_completed->count()) + " ms"
                                      : std::string("(none)")));
    if (!on_grid(t))
      throw corrupt("checkpoint " + r.dir + " of batch " + std::to_string(t) +
                    " ms is not on the batch grid (zero time " + std::to_string(m.zero.count()) +
                    " ms + n * " + std::to_string(interval) + " ms)");
  }
  return m;
}

std::optional<CheckpointMetadata> CheckpointMetadata::read(const std::filesystem::path& dir) {
  const auto path = file(dir);
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return std::nullopt;
  const auto bytes = read_file(path, kCheckpointMetadataFile.what);
  if (bytes.starts_with(kOldTextHeader))
    throw std::runtime_error(
        "checkpoint metadata " + path.string() +
        " was written by an older rill (the unchecksummed text format); this build reads "
        "format version " +
        std::to_string(kCheckpointMetadataFile.version) +
        " only: finish that run with the older build or start afresh in another directory");
  return parse(unframe(kCheckpointMetadataFile, bytes, path), path);
}

}  // namespace rill::detail
