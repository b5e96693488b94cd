// CheckpointWriter: one background thread that writes checkpoint files in submission
// order. A stream checkpoints its window or state every few batches only to keep the
// lineage short, so the batch need not wait for the file system (that wait was the
// slowest batch of a run); the checkpoint counts as complete, and the lineage is cut,
// once the files are written. Recovery checkpoints stay synchronous: the metadata
// written after a batch must name files that exist.
#pragma once
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

namespace rill::detail {

class CheckpointWriter {
 public:
  CheckpointWriter();
  // Finishes what was submitted. The last reference to an RDD may go on the writer
  // thread and take the context, and this writer, with it: the thread then lets itself
  // finish on its own instead of joining itself.
  ~CheckpointWriter();
  CheckpointWriter(const CheckpointWriter&) = delete;
  CheckpointWriter& operator=(const CheckpointWriter&) = delete;

  void submit(std::function<void()> write);
  // Returns once everything submitted so far has been written (or has failed).
  void drain();
  // Writes submitted and not yet finished (queued or running).
  std::size_t backlog() const;
  // The first failure since the last call, or null.
  std::exception_ptr take_error();

 private:
  struct State {
    std::mutex mutex;
    std::condition_variable cv;
    std::deque<std::function<void()>> queue;  // guarded by mutex
    bool busy = false;                        // guarded by mutex: a write is running
    bool stopping = false;                    // guarded by mutex
    std::exception_ptr error;                 // guarded by mutex
  };
  static void run(const std::shared_ptr<State>& state);

  std::shared_ptr<State> state_;
  std::thread thread_;
};

}  // namespace rill::detail
