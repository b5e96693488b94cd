#include <rill/dstream/block_codec.hpp>
#include <rill/io/sequence_range_log.hpp>
#include <stdexcept>
#include <vector>

namespace rill::detail {
namespace {

constexpr FileKind kNext{"RILLNEXT", 1, "jetstream_direct_stream progress snapshot"};

std::vector<std::uint64_t> decode(const std::string& bytes, std::size_t count,
                                  const std::filesystem::path& file) {
  try {
    auto v = decode_block<std::uint64_t>(bytes);
    if (v.size() != count) throw std::runtime_error(std::to_string(v.size()) + " numbers");
    return v;
  } catch (const std::exception& e) {
    throw std::runtime_error("jetstream_direct_stream progress " + file.string() +
                             " is corrupt: " + e.what());
  }
}

}  // namespace

SequenceRangeLog::SequenceRangeLog(std::filesystem::path dir, bool restarted,
                                   std::optional<Time> last_completed)
    : InputProgressLog(std::move(dir), "next", kNext, restarted) {
  if (!restarted) return;
  if (auto snapshot = read_snapshot()) next_ = decode(*snapshot, 1, dir_ / "next")[0];
  for (auto& [t, records] : log_.take_recovered().batches)
    for (auto& r : records) {
      auto v = decode(r, 2, log_.dir());
      if (v[0] > v[1])
        throw std::runtime_error("jetstream_direct_stream progress " + log_.dir().string() +
                                 " is corrupt: range [" + std::to_string(v[0]) + ", " +
                                 std::to_string(v[1]) + "]");
      next_ = std::max(next_.value_or(0), v[1] + 1);
      if (!last_completed || t > *last_completed) replay_[t] = {v[0], v[1]};
    }
  // A range logged without its batch marker (a crash in between) was read by no batch:
  // it is taken again, from the last marked range on.
}

void SequenceRangeLog::record(Time t, SequenceRange r) {
  append(t, encode_block(std::vector<std::uint64_t>{r.first, r.last}));
}

void SequenceRangeLog::snapshot(Time t, std::uint64_t next) {
  write_snapshot(t, encode_block(std::vector<std::uint64_t>{next}));
}

}  // namespace rill::detail
