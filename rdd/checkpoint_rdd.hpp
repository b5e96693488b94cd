// CheckpointRdd<T>: an RDD read back from checkpoint files written by an earlier run
// (Spark's ReliableCheckpointRDD). It has no lineage: every partition is the file
// <dir>/part-NNNNN; a file that is missing or does not parse fails the task with its path.
#pragma once
#include <filesystem>
#include <rill/rdd/checkpoint_file.hpp>
#include <rill/rdd/rdd_node.hpp>
#include <stdexcept>

namespace rill::detail {

template <class T>
class CheckpointRdd final : public RddNode<T> {
 public:
  CheckpointRdd(std::shared_ptr<ContextState> ctx, std::filesystem::path dir,
                std::size_t partitions)
      : RddNode<T>(std::move(ctx), partitions, {}, "CheckpointRdd", "checkpoint") {
    // Born checkpointed: compute_partition() reads the files and never calls compute().
    this->enable_checkpoint(std::move(dir), &write_checkpoint<T>, &read_checkpoint<T>);
    for (std::size_t p = 0; p < partitions; ++p) this->checkpoint_written(p);
    this->complete_checkpoint();
  }

  void compute(std::size_t, TaskContext&, ChunkSink<T>&) override {
    throw std::logic_error("CheckpointRdd: partitions are read from their checkpoint files");
  }
};

}  // namespace rill::detail
