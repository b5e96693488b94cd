// Metrics a job reports to its caller: per job, per stage, per task (Spark's
// TaskMetrics / StageInfo). Filled by the DagScheduler; read-only for users.
#pragma once
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace rill {

struct TaskMetrics {
  std::size_t partition = 0;
  int attempts = 0;
  std::int64_t records_in = 0;
  std::int64_t records_out = 0;
  std::chrono::nanoseconds duration{0};
};

struct StageMetrics {
  std::size_t stage_id = 0;
  bool shuffle_map = false;  // true: writes shuffle buckets; false: the job's result stage
  std::string name;
  std::vector<TaskMetrics> tasks;
  std::chrono::nanoseconds duration{0};
  std::int64_t records_in() const;
  std::int64_t records_out() const;
};

struct JobMetrics {
  std::size_t job_id = 0;
  std::string name;
  std::vector<StageMetrics> stages;
  std::chrono::nanoseconds duration{0};
  // Shuffle map stages this job actually ran; reused shuffle outputs do not count.
  std::size_t shuffle_stages() const;
  std::int64_t task_attempts() const;
};

}  // namespace rill
