// BlockRdd: an RDD whose partitions are blocks of records that arrived in chunks (Spark's
// BlockRDD, what a receiver's batch is made of). A partition is read chunk after chunk,
// so the records never had to be concatenated into one vector on the receiving thread.
#pragma once
#include <rill/rdd/rdd.hpp>

namespace rill::detail {

template <class T>
class BlockRdd final : public RddNode<T> {
 public:
  using Block = std::vector<std::vector<T>>;  // the chunks of one partition, in order

  BlockRdd(std::shared_ptr<ContextState> ctx, std::vector<Block> blocks, std::string op)
      : RddNode<T>(ctx, blocks.size(), {}, "BlockRdd", std::move(op)),
        blocks_(std::make_shared<const std::vector<Block>>(std::move(blocks))) {}

  void compute(std::size_t p, TaskContext& tc, ChunkSink<T>& out) override {
    for (const auto& chunk : (*blocks_)[p]) {
      tc.records_in += static_cast<std::int64_t>(chunk.size());
      push_copies<T>(chunk, out);  // the blocks stay intact for a recompute
    }
  }

 private:
  std::shared_ptr<const std::vector<Block>> blocks_;  // immutable after construction
};

}  // namespace rill::detail
