#include <fstream>
#include <rill/dstream/checkpoint_metadata.hpp>
#include <sstream>
#include <stdexcept>

namespace rill::detail {
namespace {
constexpr const char* kHeader = "rill-streaming-metadata";
constexpr int kVersion = 2;
}  // namespace

void CheckpointMetadata::write(const std::filesystem::path& dir) const {
  const auto path = file(dir);
  auto tmp = path;
  tmp += ".tmp";
  {
    std::ofstream os(tmp, std::ios::trunc);
    os << kHeader << ' ' << kVersion << '\n'
       << "batch_interval_ms " << batch_interval.count() << '\n'
       << "zero_time_ms " << zero.count() << '\n'
       << "last_completed_batch_ms " << (last_completed ? last_completed->count() : -1) << '\n'
       << "recoverable " << (recoverable ? 1 : 0) << '\n';
    for (const auto& s : streams) os << "stream " << s.id << ' ' << s.op << '\n';
    for (const auto& r : rdds)
      os << "rdd " << r.stream_id << ' ' << r.time.count() << ' ' << r.partitions << ' ' << r.dir
         << '\n';
    // The last line: a file without it was cut short.
    os << "end\n";
    os.flush();
    if (!os) throw std::runtime_error("cannot write checkpoint metadata " + tmp.string());
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec)
    throw std::runtime_error("cannot replace checkpoint metadata " + path.string() + ": " +
                             ec.message());
}

std::optional<CheckpointMetadata> CheckpointMetadata::read(const std::filesystem::path& dir) {
  const auto path = file(dir);
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return std::nullopt;
  std::ifstream is(path);
  if (!is) throw std::runtime_error("checkpoint metadata " + path.string() + " is unreadable");
  auto corrupt = [&](const std::string& why) {
    return std::runtime_error("checkpoint metadata " + path.string() + " is corrupt: " + why);
  };
  std::string line;
  if (!std::getline(is, line)) throw corrupt("empty file");
  std::istringstream header(line);
  std::string magic;
  int version = 0;
  if (!(header >> magic >> version) || magic != kHeader) throw corrupt("no rill header");
  if (version != 1 && version != kVersion)
    throw corrupt("unknown version " + std::to_string(version));
  CheckpointMetadata m;
  bool have_interval = false, have_last = false, ended = false;
  while (std::getline(is, line)) {
    if (ended) throw corrupt("data after the end line");
    std::istringstream ls(line);
    std::string key;
    ls >> key;
    auto number = [&](const char* what) {
      long long v;
      if (!(ls >> v)) throw corrupt(std::string("bad ") + what + " in line '" + line + "'");
      return v;
    };
    if (key == "batch_interval_ms") {
      m.batch_interval = Duration{number("batch interval")};
      if (m.batch_interval.count() < 0) throw corrupt("negative batch interval");
      have_interval = true;
    } else if (key == "zero_time_ms") {
      m.zero = Time{number("zero time")};
    } else if (key == "last_completed_batch_ms") {
      const auto v = number("last completed batch");
      if (v >= 0) m.last_completed = Time{v};
      have_last = true;
    } else if (key == "recoverable") {
      m.recoverable = number("recoverable flag") != 0;
    } else if (key == "stream") {
      Stream s{static_cast<int>(number("stream id")), {}};
      if (!(ls >> s.op)) throw corrupt("stream without operation in line '" + line + "'");
      m.streams.push_back(std::move(s));
    } else if (key == "rdd") {
      StreamRdd r{static_cast<int>(number("stream id")), Time{number("batch time")}, 0, {}};
      const auto parts = number("partition count");
      if (parts < 0) throw corrupt("negative partition count in line '" + line + "'");
      r.partitions = static_cast<std::size_t>(parts);
      if (!(ls >> r.dir) || r.dir.find("..") != std::string::npos)
        throw corrupt("bad rdd directory in line '" + line + "'");
      m.rdds.push_back(std::move(r));
    } else if (key == "end") {
      ended = true;
    } else if (!key.empty()) {
      throw corrupt("unknown line '" + line + "'");
    }
  }
  if (!have_interval || !have_last) throw corrupt("batch interval or last batch missing");
  if (version == kVersion && !ended) throw corrupt("cut short (no end line)");
  return m;
}

}  // namespace rill::detail
