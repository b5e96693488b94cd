// CheckpointMetadata: the metadata checkpoint of a StreamingContext (Spark's Checkpoint
// object, without the closures C++ cannot serialise): batch interval, zero time, the last
// completed batch and, for recovery, which checkpointed RDD each stateful stream holds.
// A small text file <dir>/metadata, replaced atomically (temp file + rename), so a crash
// leaves the previous or the next version, never a mix; a file that does not parse is an
// error naming the file, never a crash.
#pragma once
#include <cstddef>
#include <filesystem>
#include <optional>
#include <rill/dstream/time.hpp>
#include <string>
#include <vector>

namespace rill::detail {

struct CheckpointMetadata {
  // A stream whose state the next run restores; identified by its definition order.
  struct Stream {
    int id;
    std::string op;
  };
  // One checkpointed RDD of a stream: <checkpoint dir>/<dir>/part-NNNNN.
  struct StreamRdd {
    int stream_id;
    Time time;
    std::size_t partitions;
    std::string dir;  // relative to the checkpoint directory
  };

  Duration batch_interval{0};
  Time zero{0};
  std::optional<Time> last_completed;
  // Written by a context of get_or_create, which checkpoints what recovery needs.
  bool recoverable = false;
  std::vector<Stream> streams;
  std::vector<StreamRdd> rdds;

  static std::filesystem::path file(const std::filesystem::path& dir) { return dir / "metadata"; }
  // Throws std::runtime_error naming the file when it cannot be written.
  void write(const std::filesystem::path& dir) const;
  // Nothing when dir holds no metadata; std::runtime_error naming the file when it is
  // unreadable or corrupt.
  static std::optional<CheckpointMetadata> read(const std::filesystem::path& dir);
};

}  // namespace rill::detail
