// TaskContext: what one attempt of one partition task knows about itself (Spark's
// TaskContext). Counters are plain integers: a task runs on one thread at a time.
#pragma once
#include <cstddef>
#include <cstdint>

namespace rill {

struct TaskContext {
  std::size_t stage_id = 0;
  std::size_t partition = 0;
  int attempt = 0;  // 0 for the first attempt
  std::int64_t records_in = 0;
  std::int64_t records_out = 0;
};

}  // namespace rill
