// ContextState: what every RDD of one Context shares: config, scheduler, cached blocks,
// id counters. RDD nodes hold it by shared_ptr, so RDDs may outlive the Context handle.
#pragma once
#include <atomic>
#include <filesystem>
#include <memory>
#include <mutex>
#include <rill/rdd/block_manager.hpp>
#include <rill/rdd/checkpoint_writer.hpp>
#include <rill/rdd/config.hpp>
#include <rill/scheduler/dag_scheduler.hpp>
#include <string>
#include <vector>

namespace rill::detail {

class RddBase;

class ContextState {
 public:
  explicit ContextState(Config config);
  ~ContextState();

  const Config& config() const { return config_; }
  DagScheduler& scheduler() { return scheduler_; }
  BlockManager& blocks() { return blocks_; }
  std::size_t new_rdd_id() { return next_rdd_id_++; }
  std::size_t new_shuffle_id() { return next_shuffle_id_++; }
  std::size_t source_partitions() const;

  // Runs a job, then writes and truncates every checkpoint the job's lineage asked for.
  JobMetrics run_job(const std::shared_ptr<RddBase>& node,
                     const std::vector<std::size_t>& partitions,
                     const DagScheduler::ResultTask& task, const std::string& name);
  // The checkpoint directory, created on first use.
  std::filesystem::path checkpoint_root();
  CheckpointWriter& checkpoint_writer() { return *checkpoint_writer_; }
  // RDDs marked for a checkpoint that is not complete: while there are none, a job skips
  // the walk of its lineage that looks for them (every job of every batch paid it).
  void checkpoint_marked() { ++marked_checkpoints_; }
  void checkpoint_unmarked() { --marked_checkpoints_; }

 private:
  void finish_checkpoints(const std::shared_ptr<RddBase>& node);

  Config config_;
  DagScheduler scheduler_;
  BlockManager blocks_;
  std::atomic<std::size_t> next_rdd_id_{0};
  std::atomic<std::size_t> next_shuffle_id_{0};
  std::atomic<std::int64_t> marked_checkpoints_{0};
  std::mutex checkpoint_mutex_;
  std::filesystem::path checkpoint_root_;  // guarded by checkpoint_mutex_
  bool owns_checkpoint_root_ = false;      // a temp dir we created and remove
  // Last member: destroyed (and drained) first, while the rest is still there.
  std::unique_ptr<CheckpointWriter> checkpoint_writer_ = std::make_unique<CheckpointWriter>();
};

}  // namespace rill::detail
