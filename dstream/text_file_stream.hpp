// text_file_stream(dir): an input stream of the lines of new files in a directory
// (Spark's FileInputDStream / textFileStream). Each batch reads the files that appeared
// since the previous batch, oldest modification time first, each exactly once, one
// partition per file. With new_files_only (the default, Spark's newFilesOnly) the files
// already there at start() are not read; otherwise the first batch reads them.
// Skipped: names starting with '.' and ending in "._COPYING_" or ".tmp". Lines end at
// '\n'; a '\r' before it is dropped, as text_file and socket_text_stream do.
//
// Spark's convention applies: write a file elsewhere (or under a skipped name) and
// rename it into the directory when complete. A rename is atomic, so the stream never
// sees half a file; a file written in place may be read while it is still growing, and
// whatever is appended after that batch is never read.
//
// In a context made by get_or_create, each batch's file names are logged durably before
// the batch reads them (FileSelectionLog), so after a crash a batch that had not
// completed reads the same files again and every file no completed batch took is read by
// a later one. A file that cannot be opened or read is reported to the listeners
// (on_stream_error) once and retried every batch until it can be read.
#pragma once
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <rill/dstream/file_selection_log.hpp>
#include <rill/dstream/input_partitions.hpp>
#include <rill/dstream/streaming_context.hpp>
#include <set>
#include <string>

namespace rill::detail {

class FileInputNode final : public DStreamNode<std::string> {
 public:
  FileInputNode(std::shared_ptr<DStreamGraph> g, std::filesystem::path dir, bool new_files_only);
  void prepare_start(const InputStart& start) override;
  void allocate_batch(Time t) override;
  std::optional<Rdd<std::string>> compute(Time t) override;
  void clear_metadata(Time t) override;

  // Whether a directory entry is one the stream must skip (hidden or in-progress).
  static bool ignored(const std::string& filename);

 private:
  // The lines of dir_/name, or nothing (and why in error) when it cannot be read now.
  std::optional<std::vector<std::string>> read_lines(const std::string& name, std::string& error);
  void report(const std::string& name, const std::string& what);

  const std::filesystem::path dir_;
  const bool new_files_only_;
  // Set by prepare_start(); the log is thread safe, replay_ is the generator thread's.
  std::unique_ptr<FileSelectionLog> log_;
  std::map<Time, std::vector<std::string>> replay_;
  std::mutex mutex_;
  std::set<std::string> seen_;               // guarded by mutex_: names taken by some batch
  std::set<std::string> reported_;           // guarded by mutex_: failing files already reported
  InputPartitions<std::string> partitions_;  // the lines of each batch's files
};

}  // namespace rill::detail
