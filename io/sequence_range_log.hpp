// SequenceRangeLog: the progress of a jetstream_direct_stream in the checkpoint (Spark's
// DirectKafkaInputDStream checkpoints the offset ranges of its batches). Before a batch's
// messages reach any output, its sequence range is logged durably under the batch's time
// (a WriteAheadLog of one record per batch), so a restart gives a batch that had not
// completed exactly the same range, and continues after the last range logged. Every few
// completed batches the next sequence is written to a snapshot (`next`, a checked file)
// and the log of completed batches is deleted.
#pragma once
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <rill/dstream/input_progress_log.hpp>
#include <rill/dstream/time.hpp>

namespace rill::detail {

struct SequenceRange {
  std::uint64_t first = 0;  // inclusive
  std::uint64_t last = 0;   // inclusive
};

class SequenceRangeLog final : public InputProgressLog {
 public:
  // Opens (and, with restarted, reads) the log in dir; otherwise starts it afresh.
  // Corrupt files are a std::runtime_error naming the file.
  SequenceRangeLog(std::filesystem::path dir, bool restarted, std::optional<Time> last_completed);

  // The sequence after every range logged (or snapshotted) so far; none on a fresh start.
  std::optional<std::uint64_t> next() const { return next_; }
  // Batches after the last completed one that had taken a range before the crash.
  std::map<Time, SequenceRange> take_replay() { return std::move(replay_); }

  // Durable on return: batch t takes range r.
  void record(Time t, SequenceRange r);
  // After batch t completed: `next` (after every range logged so far) becomes the
  // snapshot, and the log of batches <= t goes.
  // (completed() says when.)
  void snapshot(Time t, std::uint64_t next);

 private:
  std::optional<std::uint64_t> next_;
  std::map<Time, SequenceRange> replay_;
};

}  // namespace rill::detail
