// BlockGenerator<T>: collects what a receiver stores and cuts it into blocks, one per
// block interval (Spark's BlockGenerator). A timer thread on the context's clock cuts
// the current buffer every interval; the job generator takes all blocks cut so far (and
// the partial current one) when it allocates a batch, so a batch's RDD has one partition
// per block of its interval, and a record stored before the clock reaches a batch time
// is in that batch or an earlier one. Blocks are plain vectors, moved, never copied.
#pragma once
#include <mutex>
#include <rill/dstream/clock.hpp>
#include <stop_token>
#include <thread>
#include <utility>
#include <vector>

namespace rill::detail {

template <class T>
class BlockGenerator {
 public:
  ~BlockGenerator() { stop(); }

  void start(Clock& clock, Duration interval) {
    if (interval.count() <= 0) interval = Duration{1};
    timer_ = std::jthread([this, &clock, interval](std::stop_token st) {
      while (true) {
        const auto now = clock.now();
        const Time next{(now.count() / interval.count() + 1) * interval.count()};
        if (!clock.wait_until(next, st)) return;
        std::lock_guard lock(mutex_);
        cut_locked();
      }
    });
  }

  // Ends the timer and turns the current buffer into a last block.
  void stop() {
    if (timer_.joinable()) {
      timer_.request_stop();
      timer_.join();
    }
    std::lock_guard lock(mutex_);
    cut_locked();
  }

  void add(T x) {
    std::lock_guard lock(mutex_);
    current_.push_back(std::move(x));
  }
  void add(std::vector<T> xs) {
    std::lock_guard lock(mutex_);
    if (current_.empty() && current_.capacity() < 2 * xs.size())
      current_ = std::move(xs);
    else
      current_.insert(current_.end(), std::make_move_iterator(xs.begin()),
                      std::make_move_iterator(xs.end()));
  }

  // Everything stored so far, as blocks in arrival order.
  std::vector<std::vector<T>> take_blocks() {
    std::lock_guard lock(mutex_);
    cut_locked();
    return std::exchange(blocks_, {});
  }

  bool has_data() const {
    std::lock_guard lock(mutex_);
    return !current_.empty() || !blocks_.empty();
  }

 private:
  void cut_locked() {
    if (current_.empty()) return;
    const std::size_t n = current_.size();
    blocks_.push_back(std::exchange(current_, {}));
    // The next block is likely as big: growing it by doubling would move every record
    // about twice more and touch fresh pages on each step.
    current_.reserve(n + n / 4);
  }

  mutable std::mutex mutex_;
  std::vector<T> current_;              // guarded by mutex_
  std::vector<std::vector<T>> blocks_;  // guarded by mutex_
  std::jthread timer_;
};

}  // namespace rill::detail
