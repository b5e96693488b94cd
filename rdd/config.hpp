// Config: the knobs of a Context and its StreamingContexts (Spark's SparkConf). Field
// order is part of the API: users write designated initializers in this order.
#pragma once
#include <chrono>
#include <cstdint>
#include <string>

namespace rill {

// When a receiver's block store() returns with the write-ahead log on: after its own
// fsync, or after an fsync shared with the blocks other threads stored meanwhile.
enum class WalSync { per_block, group_commit };

struct Config {
  int parallelism = 0;         // TBB arena size; 0 = all cores
  int default_partitions = 0;  // 0 = parallelism for sources, max upstream for shuffles
  int max_task_attempts = 4;   // spark.task.maxFailures
  std::string checkpoint_dir;  // "" = a fresh directory under /tmp
  std::chrono::milliseconds block_interval{200};  // receivers: one block per interval
  std::int64_t receiver_max_rate = 0;             // records/s per receiver; 0 = unlimited
  bool backpressure = false;                      // adapt the rate from batch timings
  int concurrent_jobs = 1;                        // batches that may run at once
  // Receivers: every block a receiver stores goes to a write-ahead log under the streaming
  // checkpoint directory (Receiver::store(std::vector<T>) returns once it is durable), and
  // get_or_create gives each batch that had not completed the same blocks again, and the
  // blocks no batch had taken to the next one. Appended last: designated initializers of
  // older code stay valid.
  bool write_ahead_log = false;
  WalSync write_ahead_log_sync = WalSync::per_block;
};

}  // namespace rill
