#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/flow_graph.h>
#include <oneapi/tbb/parallel_for.h>

#include <chrono>
#include <exception>
#include <map>
#include <rill/scheduler/dag_scheduler.hpp>
#include <unordered_set>

namespace rill {

std::int64_t StageMetrics::records_in() const {
  std::int64_t n = 0;
  for (const auto& t : tasks) n += t.records_in;
  return n;
}

std::int64_t StageMetrics::records_out() const {
  std::int64_t n = 0;
  for (const auto& t : tasks) n += t.records_out;
  return n;
}

std::size_t JobMetrics::shuffle_stages() const {
  std::size_t n = 0;
  for (const auto& s : stages) n += s.shuffle_map ? 1 : 0;
  return n;
}

std::int64_t JobMetrics::task_attempts() const {
  std::int64_t n = 0;
  for (const auto& s : stages)
    for (const auto& t : s.tasks) n += t.attempts;
  return n;
}

namespace detail {
namespace {

using Clock = std::chrono::steady_clock;

struct StagePlan {
  std::shared_ptr<ShuffleDependency> shuffle;  // null for the result stage
  std::vector<std::size_t> parents;            // indices into the plan
  std::string name;
};

// Builds the stages of one job, parents before children.
class StagePlanner {
 public:
  std::vector<StagePlan> plan(const std::shared_ptr<LineageNode>& final_node) {
    auto parents = missing_parent_stages(final_node);
    stages_.push_back({nullptr, std::move(parents), final_node->describe()});
    return std::move(stages_);
  }

 private:
  std::vector<std::size_t> missing_parent_stages(const std::shared_ptr<LineageNode>& start) {
    std::vector<std::size_t> result;
    std::unordered_set<const LineageNode*> seen;
    std::vector<std::shared_ptr<LineageNode>> todo{start};
    while (!todo.empty()) {
      auto node = std::move(todo.back());
      todo.pop_back();
      if (!seen.insert(node.get()).second || node->materialized()) continue;
      for (auto& dep : node->dependencies()) {
        if (dep.kind != Dependency::Kind::shuffle) {
          todo.push_back(dep.parent);
          continue;
        }
        if (all_outputs_present(*dep.shuffle)) continue;
        std::size_t idx = stage_for(dep.shuffle);
        if (std::find(result.begin(), result.end(), idx) == result.end()) result.push_back(idx);
      }
    }
    return result;
  }

  std::size_t stage_for(const std::shared_ptr<ShuffleDependency>& dep) {
    if (auto it = by_shuffle_.find(dep->shuffle_id()); it != by_shuffle_.end()) return it->second;
    auto parents = missing_parent_stages(dep->parent());
    stages_.push_back({dep, std::move(parents), dep->parent()->describe()});
    by_shuffle_[dep->shuffle_id()] = stages_.size() - 1;
    return stages_.size() - 1;
  }

  static bool all_outputs_present(const ShuffleDependency& dep) {
    for (std::size_t p = 0; p < dep.num_map_partitions(); ++p)
      if (!dep.has_map_output(p)) return false;
    return true;
  }

  std::vector<StagePlan> stages_;
  std::map<std::size_t, std::size_t> by_shuffle_;
};

}  // namespace

DagScheduler::DagScheduler(int parallelism, int max_task_attempts)
    : parallelism_(parallelism), max_task_attempts_(max_task_attempts), arena_(parallelism) {}

JobMetrics DagScheduler::run_job(const std::shared_ptr<LineageNode>& final_node,
                                 const std::vector<std::size_t>& partitions, const ResultTask& task,
                                 const std::string& name) {
  JobMetrics job;
  job.job_id = next_job_id_++;
  job.name = name;
  const auto job_start = Clock::now();

  auto plan = StagePlanner{}.plan(final_node);
  std::vector<StageMetrics> stage_metrics(plan.size());
  for (auto& s : stage_metrics) s.stage_id = next_stage_id_++;

  std::mutex error_mutex;
  std::exception_ptr error;  // the first failure, guarded by error_mutex
  std::atomic<bool> failed{false};

  auto run_task = [&](std::size_t stage_idx, std::size_t partition, TaskMetrics& tm, auto&& body) {
    std::string last_error;
    for (int attempt = 0; attempt < max_task_attempts_; ++attempt) {
      if (failed.load()) return;
      TaskContext tc{stage_metrics[stage_idx].stage_id, partition, attempt, 0, 0};
      const auto t0 = Clock::now();
      try {
        body(partition, tc);
        tm = {partition, attempt + 1, tc.records_in, tc.records_out, Clock::now() - t0};
        return;
      } catch (const std::exception& e) {
        last_error = e.what();
      } catch (...) {
        last_error = "unknown exception";
      }
      tm.attempts = attempt + 1;
    }
    throw JobFailed("job " + std::to_string(job.job_id) + " (" + name + ") aborted: task " +
                    std::to_string(partition) + " in stage " +
                    std::to_string(stage_metrics[stage_idx].stage_id) + " failed " +
                    std::to_string(max_task_attempts_) +
                    " times; most recent failure: " + last_error);
  };

  auto run_stage = [&](std::size_t idx) {
    if (failed.load()) return;
    const auto t0 = Clock::now();
    auto& sm = stage_metrics[idx];
    const auto& stage = plan[idx];
    sm.shuffle_map = stage.shuffle != nullptr;
    sm.name = stage.name;
    std::vector<std::size_t> todo;
    if (stage.shuffle) {
      for (std::size_t p = 0; p < stage.shuffle->num_map_partitions(); ++p)
        if (!stage.shuffle->has_map_output(p)) todo.push_back(p);
    } else {
      todo = partitions;
    }
    sm.tasks.resize(todo.size());
    try {
      tbb::parallel_for(
          tbb::blocked_range<std::size_t>(0, todo.size(), 1),
          [&](const tbb::blocked_range<std::size_t>& r) {
            for (std::size_t i = r.begin(); i != r.end(); ++i) {
              if (stage.shuffle) {
                run_task(idx, todo[i], sm.tasks[i], [&](std::size_t p, TaskContext& tc) {
                  stage.shuffle->run_map_task(p, tc);
                });
              } else {
                run_task(idx, todo[i], sm.tasks[i], task);
              }
            }
          },
          tbb::simple_partitioner{});
    } catch (...) {
      std::lock_guard lock(error_mutex);
      if (!error) error = std::current_exception();
      failed = true;
    }
    sm.duration = Clock::now() - t0;
  };

  arena_.execute([&] {
    tbb::flow::graph g;
    std::vector<std::unique_ptr<tbb::flow::continue_node<tbb::flow::continue_msg>>> nodes;
    nodes.reserve(plan.size());
    for (std::size_t i = 0; i < plan.size(); ++i)
      nodes.push_back(std::make_unique<tbb::flow::continue_node<tbb::flow::continue_msg>>(
          g, [&, i](const tbb::flow::continue_msg&) { run_stage(i); }));
    for (std::size_t i = 0; i < plan.size(); ++i)
      for (auto parent : plan[i].parents) tbb::flow::make_edge(*nodes[parent], *nodes[i]);
    for (std::size_t i = 0; i < plan.size(); ++i)
      if (plan[i].parents.empty()) nodes[i]->try_put(tbb::flow::continue_msg{});
    g.wait_for_all();
  });

  job.duration = Clock::now() - job_start;
  for (auto& sm : stage_metrics)
    if (!sm.tasks.empty() || !sm.shuffle_map) job.stages.push_back(std::move(sm));
  shuffle_stages_run_ += job.shuffle_stages();
  record(job);
  if (error) std::rethrow_exception(error);
  return job;
}

void DagScheduler::record(JobMetrics m) {
  std::lock_guard lock(history_mutex_);
  history_.push_back(std::move(m));
  if (history_.size() > 1000) history_.pop_front();
}

JobMetrics DagScheduler::last_job_metrics() const {
  std::lock_guard lock(history_mutex_);
  return history_.empty() ? JobMetrics{} : history_.back();
}

std::vector<JobMetrics> DagScheduler::job_history() const {
  std::lock_guard lock(history_mutex_);
  return {history_.begin(), history_.end()};
}

}  // namespace detail
}  // namespace rill
