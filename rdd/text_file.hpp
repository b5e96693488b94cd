// TextFileRdd: the lines of the files a path or glob matches (Spark's textFile over
// Hadoop's line record reader). Files are cut into byte-range splits; a split skips the
// partial line it starts in and reads past its end to finish its last line, so each
// line is read exactly once however the bytes are cut.
#pragma once
#include <rill/rdd/rdd.hpp>
#include <string>
#include <vector>

namespace rill::detail {

struct FileSplit {
  std::string path;
  std::uint64_t start = 0;
  std::uint64_t end = 0;  // exclusive
};

// Every file `pattern` names: a file, a directory (its files), or a glob. Throws if none.
std::vector<std::string> match_files(const std::string& pattern);
std::vector<FileSplit> plan_splits(const std::vector<std::string>& files,
                                   std::size_t min_partitions);

class TextFileRdd final : public RddNode<std::string> {
 public:
  TextFileRdd(std::shared_ptr<ContextState> ctx, std::vector<FileSplit> splits);
  void compute(std::size_t p, TaskContext& tc, ChunkSink<std::string>& out) override;
  const std::vector<FileSplit>& splits() const { return splits_; }

 private:
  std::vector<FileSplit> splits_;  // immutable
};

}  // namespace rill::detail
