// Config: the knobs of a Context and its StreamingContexts (Spark's SparkConf). Field
// order is part of the API: users write designated initializers in this order.
#pragma once
#include <chrono>
#include <cstdint>
#include <string>

namespace rill {

struct Config {
  int parallelism = 0;         // TBB arena size; 0 = all cores
  int default_partitions = 0;  // 0 = parallelism for sources, max upstream for shuffles
  int max_task_attempts = 4;   // spark.task.maxFailures
  std::string checkpoint_dir;  // "" = a fresh directory under /tmp
  std::chrono::milliseconds block_interval{200};  // receivers: one block per interval
  std::int64_t receiver_max_rate = 0;             // records/s per receiver; 0 = unlimited
  bool backpressure = false;                      // adapt the rate from batch timings
  int concurrent_jobs = 1;                        // batches that may run at once
  // Receivers: each batch's blocks go to a write-ahead log under the streaming checkpoint
  // directory before the batch uses them, and get_or_create replays the batches that had
  // not completed. Appended last: designated initializers of older code stay valid.
  bool write_ahead_log = false;
};

}  // namespace rill
