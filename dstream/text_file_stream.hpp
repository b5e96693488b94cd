// text_file_stream(dir): an input stream of the lines of new files in a directory
// (Spark's FileInputDStream / textFileStream). Each batch reads the files that appeared
// since the previous batch, oldest modification time first, each exactly once, one
// partition per file; files already there when the stream is defined are not read.
// Skipped: names starting with '.' and ending in "._COPYING_" or ".tmp".
//
// Spark's convention applies: write a file elsewhere (or under a skipped name) and
// rename it into the directory when complete. A rename is atomic, so the stream never
// sees half a file; a file written in place may be read while it is still growing, and
// whatever is appended after that batch is never read.
#pragma once
#include <filesystem>
#include <mutex>
#include <rill/dstream/streaming_context.hpp>
#include <set>
#include <string>

namespace rill::detail {

class FileInputNode final : public DStreamNode<std::string> {
 public:
  FileInputNode(std::shared_ptr<DStreamGraph> g, std::filesystem::path dir);
  void allocate_batch(Time t) override {
    if (this->initialized()) this->get_or_compute(t);
  }
  std::optional<Rdd<std::string>> compute(Time t) override;

  // Whether a directory entry is one the stream must skip (hidden or in-progress).
  static bool ignored(const std::string& filename);

 private:
  std::filesystem::path dir_;
  std::mutex mutex_;
  std::set<std::string> seen_;  // guarded by mutex_: files already read (or pre-existing)
};

}  // namespace rill::detail
