// FileSelectionLog: the progress of a text_file_stream in the checkpoint (Spark's
// FileInputDStream keeps batchTimeToSelectedFiles in its checkpoint). Before a batch
// reads its files, their names are logged durably under that batch's time (a
// WriteAheadLog of one record per batch), so a restart gives a batch that had not
// completed exactly the same files, and knows every file an earlier batch took. Every
// few completed batches the names taken so far are folded into one snapshot file
// (`seen`, a checked file) and the log segments of completed batches are deleted.
#pragma once
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <rill/dstream/input_progress_log.hpp>
#include <rill/dstream/time.hpp>
#include <set>
#include <string>
#include <vector>

namespace rill::detail {

class FileSelectionLog final : public InputProgressLog {
 public:
  // Opens (and, with restarted, reads) the log in dir; otherwise starts it afresh.
  // Corrupt files are a std::runtime_error naming the file.
  FileSelectionLog(std::filesystem::path dir, bool restarted, std::optional<Time> last_completed);

  // Names every earlier batch took (snapshot and log), as read at construction.
  std::set<std::string> take_seen() { return std::move(seen_); }
  // Batches after the last completed one that had selected files before the crash.
  std::map<Time, std::vector<std::string>> take_replay() { return std::move(replay_); }

  // Durable on return: batch t takes these files.
  void record(Time t, const std::vector<std::string>& names);
  // After batch t completed: `seen` (all names taken so far, by t and any later batch)
  // becomes the snapshot, and the log of batches <= t goes.
  // (completed() says when.)
  void snapshot(Time t, const std::set<std::string>& seen);

 private:
  std::set<std::string> seen_;
  std::map<Time, std::vector<std::string>> replay_;
};

}  // namespace rill::detail
