// DagScheduler: splits a job at shuffle dependencies into stages and runs them as a
// oneTBB flow graph (one node per stage, edges from parent stages) inside the context's
// task arena; each stage runs its partition tasks in parallel, retrying failed ones.
#pragma once
#include <oneapi/tbb/task_arena.h>

#include <atomic>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <rill/scheduler/job_metrics.hpp>
#include <rill/scheduler/lineage.hpp>
#include <stdexcept>
#include <string>
#include <vector>

namespace rill {

// A job whose task failed max_task_attempts times; what() carries the task's own message.
class JobFailed : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

namespace detail {

class DagScheduler {
 public:
  using ResultTask = std::function<void(std::size_t partition, TaskContext&)>;

  DagScheduler(int parallelism, int max_task_attempts);
  int parallelism() const { return parallelism_; }
  int max_task_attempts() const { return max_task_attempts_; }

  // Runs `task` for each of `partitions` of `final_node` once all the shuffle map stages
  // it depends on have their outputs. Thread safe: several jobs may run at once.
  JobMetrics run_job(const std::shared_ptr<LineageNode>& final_node,
                     const std::vector<std::size_t>& partitions, const ResultTask& task,
                     const std::string& name);

  // Runs f inside the arena (for work that is not a job, such as sampling helpers).
  template <class F>
  void execute(F&& f) {
    arena_.execute(std::forward<F>(f));
  }

  JobMetrics last_job_metrics() const;
  std::vector<JobMetrics> job_history() const;
  std::size_t shuffle_stages_run() const { return shuffle_stages_run_.load(); }

 private:
  void record(JobMetrics m);

  int parallelism_;
  int max_task_attempts_;
  tbb::task_arena arena_;
  std::atomic<std::size_t> next_job_id_{0};
  std::atomic<std::size_t> next_stage_id_{0};
  std::atomic<std::size_t> shuffle_stages_run_{0};
  mutable std::mutex history_mutex_;
  std::deque<JobMetrics> history_;  // guarded by history_mutex_, bounded
};

}  // namespace detail
}  // namespace rill
