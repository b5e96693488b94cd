// BlockGenerator<T>: collects what a receiver stores and cuts it into blocks, one per
// block interval (Spark's BlockGenerator). A timer thread on the context's clock cuts
// the current buffer every interval; the job generator takes all blocks cut so far (and
// the partial current one) when it allocates a batch, so a batch's RDD has one partition
// per block of its interval, and a record stored before the clock reaches a batch time
// is in that batch or an earlier one. A block is a list of chunks: a vector the receiver
// stores becomes a chunk as it is (single records are gathered into chunks), so the
// receiving thread moves no record and allocates nothing per record.
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

  using Block = std::vector<std::vector<T>>;  // chunks, in arrival order

  void add(T x) {
    std::lock_guard lock(mutex_);
    open_chunk().push_back(std::move(x));
  }
  void add(std::vector<T> xs) {
    if (xs.empty()) return;
    std::lock_guard lock(mutex_);
    if (xs.size() >= kChunk / 4) {
      current_.push_back(std::move(xs));
      open_ = false;
      return;
    }
    // Small vectors are gathered, so that a block is not thousands of tiny chunks.
    auto& chunk = open_chunk();
    chunk.insert(chunk.end(), std::make_move_iterator(xs.begin()),
                 std::make_move_iterator(xs.end()));
  }

  // Everything stored so far, as blocks in arrival order.
  std::vector<Block> take_blocks() {
    std::lock_guard lock(mutex_);
    cut_locked();
    return std::exchange(blocks_, {});
  }

  bool has_data() const {
    std::lock_guard lock(mutex_);
    return !current_.empty() || !blocks_.empty();
  }

 private:
  static constexpr std::size_t kChunk = 1024;

  // The chunk single records and small vectors go to.
  std::vector<T>& open_chunk() {
    if (!open_ || current_.back().size() >= kChunk) {
      current_.emplace_back().reserve(kChunk);
      open_ = true;
    }
    return current_.back();
  }
  void cut_locked() {
    if (current_.empty()) return;
    blocks_.push_back(std::exchange(current_, {}));
    open_ = false;
  }

  mutable std::mutex mutex_;
  Block current_;              // guarded by mutex_
  bool open_ = false;          // guarded by mutex_: current_.back() takes small stores
  std::vector<Block> blocks_;  // guarded by mutex_
  std::jthread timer_;
};

}  // namespace rill::detail
