// InputProgressLog: what the progress logs of inputs whose progress is part of the
// checkpoint share (FileSelectionLog: the files a batch took; SequenceRangeLog: the
// sequence range it took). Under one directory: a WriteAheadLog of one record per batch,
// logged before the batch's data reaches any output, and a snapshot (a checked file)
// that every kSnapshotEvery completed batches sums up the log of completed batches, which
// is then deleted. The subclasses say what a record and the snapshot hold.
#pragma once
#include <filesystem>
#include <optional>
#include <rill/dstream/time.hpp>
#include <rill/io/write_ahead_log.hpp>
#include <rill/rdd/checked_file.hpp>
#include <string>
#include <string_view>

namespace rill::detail {

class InputProgressLog {
 public:
  // A batch completed; true every kSnapshotEvery calls: time for a snapshot.
  bool completed() { return ++since_snapshot_ % kSnapshotEvery == 0; }

 protected:
  // Opens the log in dir; unless restarted, forgets what an earlier run left (its log
  // and its snapshot). Corrupt segments are a std::runtime_error naming the file.
  InputProgressLog(std::filesystem::path dir, std::string snapshot_name, const FileKind& kind,
                   bool restarted);

  // The snapshot's payload, if there is one.
  std::optional<std::string> read_snapshot() const;
  // Durable on return: batch t took what `record` describes.
  void append(Time t, std::string_view record);
  // After batch t completed: payload becomes the snapshot, the log of batches <= t goes.
  void write_snapshot(Time t, std::string_view payload);

  std::filesystem::path dir_;
  WriteAheadLog log_;

 private:
  static constexpr int kSnapshotEvery = 10;
  const std::filesystem::path snapshot_file_;
  const FileKind& kind_;
  int since_snapshot_ = 0;  // batches complete one at a time, in order
};

}  // namespace rill::detail
