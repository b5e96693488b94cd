// WriteAheadLog: durable copies of what a receiver handed to each batch (Spark's
// FileBasedWriteAheadLog for received blocks). One segment file per batch under
// <checkpoint dir>/receivedData/<stream id>/, one record per block: length, CRC-32, bytes.
// Each block is fsynced as it is written, and the segment appears under its final name
// (rename) only when all its blocks are durable, so a batch is replayed whole or not at
// all. Segments of completed batches are deleted. Cost: one write + fsync per block.
#pragma once
#include <cstdint>
#include <filesystem>
#include <optional>
#include <rill/dstream/time.hpp>
#include <string>
#include <vector>

namespace rill::detail {

class WriteAheadLog {
 public:
  explicit WriteAheadLog(std::filesystem::path dir);

  // Writes the blocks of batch t (replacing a segment an earlier run left for t); returns
  // once they are on disk. Throws std::runtime_error naming the file on failure.
  void write_batch(Time t, const std::vector<std::string>& blocks);
  // The blocks of batch t, or nothing when no segment exists. A segment that fails its
  // checksums is a std::runtime_error naming the file.
  std::optional<std::vector<std::string>> read_batch(Time t) const;
  // Deletes the segments of batches <= t (completed: never replayed).
  void clean_through(Time t);
  const std::filesystem::path& dir() const { return dir_; }

  static std::uint32_t crc32(const char* data, std::size_t n);

 private:
  std::filesystem::path segment(Time t) const;
  std::filesystem::path dir_;
};

}  // namespace rill::detail
