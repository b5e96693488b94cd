// CheckpointMetadata: the metadata checkpoint of a StreamingContext (Spark's Checkpoint
// object, without the closures C++ cannot serialise): batch interval, zero time, the last
// completed batch and, for recovery, which checkpointed RDD each stateful stream holds.
// <dir>/metadata: a small text body in a checked file (rdd/checked_file.hpp, magic
// "RILLMETA"), replaced durably (temp file, fsync, rename, fsync of the directory), so a
// crash leaves the previous or the next version, never a mix. Reading checks the frame
// and then every value (grid of batch times, directory names, counts): a flipped, cut or
// hand-edited file is an error naming the file and the value, never a wrong restart.
#pragma once
#include <cstddef>
#include <filesystem>
#include <optional>
#include <rill/dstream/time.hpp>
#include <rill/rdd/checked_file.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace rill::detail {

// Version 3: the text format of versions 1 and 2 (which had no frame) in a checked file.
inline constexpr FileKind kCheckpointMetadataFile{"RILLMETA", 3, "checkpoint metadata"};

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
  // The text body (one "key values" line each) and its parser, which checks every value;
  // std::runtime_error "checkpoint metadata <file> is corrupt: <what and value>".
  std::string body() const;
  static CheckpointMetadata parse(std::string_view body, const std::filesystem::path& file);
  // Throws std::runtime_error naming the file when it cannot be written.
  void write(const std::filesystem::path& dir) const;
  // Nothing when dir holds no metadata; std::runtime_error naming the file when it is
  // unreadable, corrupt or of an older format.
  static std::optional<CheckpointMetadata> read(const std::filesystem::path& dir);
};

}  // namespace rill::detail
