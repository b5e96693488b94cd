#include <rill/dstream/block_codec.hpp>
#include <rill/dstream/file_selection_log.hpp>
#include <rill/rdd/checked_file.hpp>

namespace rill::detail {
namespace {

constexpr FileKind kSeen{"RILLSEEN", 1, "text_file_stream progress snapshot"};

// A list of names has the format of a received block of strings (block_codec.hpp).
std::string encode_names(const std::vector<std::string>& names) {
  return encode_block(names);
}

std::vector<std::string> decode_names(const std::string& bytes, const std::filesystem::path& file) {
  try {
    return decode_block<std::string>(bytes);
  } catch (const std::exception& e) {
    throw std::runtime_error("text_file_stream progress " + file.string() +
                             " is corrupt: " + e.what());
  }
}

}  // namespace

FileSelectionLog::FileSelectionLog(std::filesystem::path dir, bool restarted,
                                   std::optional<Time> last_completed)
    : InputProgressLog(std::move(dir), "seen", kSeen, restarted) {
  if (!restarted) return;
  if (auto snapshot = read_snapshot())
    for (auto& n : decode_names(*snapshot, dir_ / "seen")) seen_.insert(std::move(n));
  auto recovered = log_.take_recovered();
  for (auto& [t, records] : recovered.batches) {
    std::vector<std::string> names;
    for (auto& r : records) {
      auto part = decode_names(r, log_.dir());
      names.insert(names.end(), part.begin(), part.end());
    }
    seen_.insert(names.begin(), names.end());
    if (!last_completed || t > *last_completed) replay_[t] = std::move(names);
  }
  // Logged without a batch marker (a crash in between): no batch read them; they are
  // selected again from the directory.
}

void FileSelectionLog::record(Time t, const std::vector<std::string>& names) {
  if (!names.empty()) append(t, encode_names(names));
}

void FileSelectionLog::snapshot(Time t, const std::set<std::string>& seen) {
  write_snapshot(t, encode_names(std::vector<std::string>(seen.begin(), seen.end())));
}

}  // namespace rill::detail
