// BlockRdd: an RDD whose partitions are blocks of records that arrived in chunks (Spark's
// BlockRDD, what a receiver's batch is made of). A partition is read chunk after chunk,
// so the records never had to be concatenated into one vector on the receiving thread.
// Like Spark's, its blocks can be released while later RDDs still have it in their
// lineage (a receiver stream does so once the batch is older than what it remembers);
// computing it afterwards throws instead of silently giving nothing.
#pragma once
#include <mutex>
#include <rill/rdd/rdd.hpp>
#include <stdexcept>

namespace rill::detail {

template <class T>
class BlockRdd final : public RddNode<T> {
 public:
  using Block = std::vector<std::vector<T>>;  // the chunks of one partition, in order

  BlockRdd(std::shared_ptr<ContextState> ctx, std::vector<Block> blocks, std::string op)
      : RddNode<T>(ctx, blocks.size(), {}, "BlockRdd", std::move(op)),
        blocks_(std::make_shared<const std::vector<Block>>(std::move(blocks))) {}

  void compute(std::size_t p, TaskContext& tc, ChunkSink<T>& out) override {
    std::shared_ptr<const std::vector<Block>> blocks;
    {
      std::lock_guard lock(mutex_);
      blocks = blocks_;
    }
    if (!blocks)
      throw std::runtime_error(
          "BlockRdd " + std::to_string(this->id()) +
          ": its blocks were released when the batch left the stream's remember window; a "
          "cached partition computed from them was lost and cannot be recomputed");
    for (const auto& chunk : (*blocks)[p]) {
      tc.records_in += static_cast<std::int64_t>(chunk.size());
      push_shared<T>(chunk, out);  // the blocks stay intact for a recompute
    }
  }

  // Frees the blocks (once running computations are done with them).
  void release() {
    std::shared_ptr<const std::vector<Block>> doomed;
    std::lock_guard lock(mutex_);
    doomed.swap(blocks_);
  }

 private:
  std::mutex mutex_;
  std::shared_ptr<const std::vector<Block>> blocks_;  // guarded by mutex_; null once released
};

}  // namespace rill::detail
