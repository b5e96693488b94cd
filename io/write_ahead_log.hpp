// WriteAheadLog: durable copies of the blocks a receiver stores (Spark's
// FileBasedWriteAheadLog with its ReceivedBlockTracker's allocation events in one log).
// One log per receiver stream under <checkpoint dir>/receivedData/<stream id>/, made of
// segment files; a segment holds block records and ends with the marker of the batch that
// took them ("every block since the previous marker belongs to batch t"). So a restart
// knows, for each batch that had not completed, exactly which blocks it had, and which
// blocks were stored but not yet given to any batch.
//
// append() writes a block; sync_to() returns once it is on disk: either its own fsync
// (per_block) or one fsync shared by every block written meanwhile by other threads
// (group_commit). A record carries its length and XXH3 checksums of header and payload: a
// flipped or foreign byte is an error naming the file; a record cut short at the end of
// the newest segment is what a crash in the middle of a write leaves (never acknowledged,
// so dropped with a message on stderr). Segments of completed batches are deleted.
#pragma once
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <rill/dstream/time.hpp>
#include <rill/rdd/config.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace rill::detail {

class WriteAheadLog {
 public:
  // Reads what an earlier run left in dir (see recovered()); throws std::runtime_error
  // naming the file when a segment is corrupt.
  WriteAheadLog(std::filesystem::path dir, WalSync sync = WalSync::per_block);
  ~WriteAheadLog();
  WriteAheadLog(const WriteAheadLog&) = delete;
  WriteAheadLog& operator=(const WriteAheadLog&) = delete;

  struct Recovered {
    std::map<Time, std::vector<std::string>> batches;  // blocks each marked batch took
    std::vector<std::string> unallocated;              // stored, no batch had them yet
  };
  // What the earlier run left, once (later calls return nothing).
  Recovered take_recovered();
  // A fresh run: forgets what an earlier one left (deletes its segments).
  void discard_recovered();

  // Writes one block record; returns its end position for sync_to(). Thread safe.
  std::uint64_t append(std::string_view block);
  // Returns once everything up to `position` is on disk.
  void sync_to(std::uint64_t position);
  // Every block appended (or recovered unallocated) since the previous marker belongs to
  // batch t; durable on return. No-op when there is none (an empty batch needs no marker).
  void mark_batch(Time t);
  // Deletes the segments whose blocks went to batches <= t (completed: never replayed).
  void clean_through(Time t);

  const std::filesystem::path& dir() const { return dir_; }

 private:
  struct Segment {
    std::uint64_t seq;
    Time marker;
  };
  void recover();
  void open_segment_locked();
  void write_locked(std::uint32_t type, std::string_view payload);
  void fsync_locked(std::unique_lock<std::mutex>& lock);
  std::filesystem::path segment_path(std::uint64_t seq) const;

  const std::filesystem::path dir_;
  const WalSync sync_;
  std::mutex mutex_;
  std::condition_variable synced_;
  // All guarded by mutex_.
  int fd_ = -1;                  // the open segment, or -1 until the next append
  std::uint64_t seq_ = 0;        // the open (or next) segment's number
  std::uint64_t written_ = 0;    // bytes written by this process, all segments
  std::uint64_t durable_ = 0;    // of which fsynced
  bool syncing_ = false;         // a group-commit fsync is under way
  bool pending_ = false;         // blocks since the last marker
  std::vector<Segment> closed_;  // segments that end with a marker, oldest first
  Recovered recovered_;
  std::vector<std::filesystem::path> recovered_files_;  // for discard_recovered
};

}  // namespace rill::detail
