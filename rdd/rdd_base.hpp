// RddBase: the untyped half of an RDD node: identity, partitions, lineage, persistence and
// checkpoint state. The scheduler sees it as a LineageNode; RddNode<T> adds the element type.
#pragma once
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <rill/rdd/context_state.hpp>
#include <rill/rdd/partitioner.hpp>
#include <rill/scheduler/lineage.hpp>
#include <string>
#include <vector>

namespace rill::detail {

class RddBase : public LineageNode, public std::enable_shared_from_this<RddBase> {
 public:
  RddBase(std::shared_ptr<ContextState> ctx, std::size_t num_partitions,
          std::vector<Dependency> deps, std::string kind, std::string op);
  ~RddBase() override;

  std::size_t id() const override { return id_; }
  std::size_t num_partitions() const override { return num_partitions_; }
  std::vector<Dependency> dependencies() const override;
  bool materialized() const override;
  std::string describe() const override;

  const std::shared_ptr<ContextState>& context() const { return ctx_; }
  std::shared_ptr<const Partitioner> partitioner() const { return partitioner_; }
  void set_partitioner(std::shared_ptr<const Partitioner> p) { partitioner_ = std::move(p); }

  void persist() { persisted_ = true; }
  void unpersist();
  bool is_persisted() const { return persisted_.load(); }

  bool checkpoint_pending() const { return checkpoint_state_.load() == kMarked; }
  bool is_checkpointed() const { return checkpoint_state_.load() == kDone; }
  std::filesystem::path checkpoint_file(std::size_t partition) const;
  std::vector<std::size_t> missing_checkpoint_partitions() const;
  // Computes a partition and throws the elements away: fills caches and checkpoints.
  virtual void compute_discarding(std::size_t partition, TaskContext& tc) = 0;
  // After every partition is written: forget the parents (Spark's lineage truncation).
  void complete_checkpoint();
  // For nodes whose computed result is kept elsewhere (event-time pane state, applied in
  // place): once every partition has been computed the parents are no longer needed.
  void release_dependencies();

 protected:
  // async: partition files are written by the context's CheckpointWriter.
  void mark_checkpoint(std::filesystem::path dir, bool async = false);
  bool checkpoint_async() const;
  // True if the caller should write partition p's file: it is neither written nor being
  // written. The caller then reports checkpoint_written or checkpoint_write_failed.
  bool claim_checkpoint_write(std::size_t partition);
  void checkpoint_written(std::size_t partition);
  void checkpoint_write_failed(std::size_t partition);
  std::shared_ptr<LineageNode> parent_node(std::size_t i) const;
  std::shared_ptr<ShuffleDependency> shuffle_dependency(std::size_t i) const;

 private:
  static constexpr int kNone = 0, kMarked = 1, kDone = 2;
  std::shared_ptr<ContextState> ctx_;
  std::size_t id_;
  std::size_t num_partitions_;
  std::string kind_;  // e.g. "MapPartitionsRdd"
  std::string op_;    // the user-facing operation that made it, e.g. "map"
  std::shared_ptr<const Partitioner> partitioner_;  // set once, before the node is shared
  std::atomic<bool> persisted_{false};
  std::atomic<int> checkpoint_state_{kNone};
  mutable std::mutex mutex_;
  std::vector<Dependency> deps_;          // guarded by mutex_; cleared by complete_checkpoint
  std::filesystem::path checkpoint_dir_;  // guarded by mutex_
  enum class PartFile : std::uint8_t { missing, writing, written };
  std::vector<PartFile> checkpoint_parts_;  // guarded by mutex_
  bool checkpoint_async_ = false;           // guarded by mutex_
};

}  // namespace rill::detail
