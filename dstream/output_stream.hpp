// OutputStream: the node of an output operation (Spark's ForEachDStream). Each batch it
// turns its parent's RDD into one job, which the job scheduler runs after the jobs of
// the output operations defined before it.
#pragma once
#include <functional>
#include <optional>
#include <rill/dstream/dstream_base.hpp>

namespace rill::detail {

class OutputStream : public DStreamBase {
 public:
  using DStreamBase::DStreamBase;
  // The job of batch t, or nothing when the parent has no RDD at t (off-slide times).
  virtual std::optional<std::function<void()>> generate_job(Time t) = 0;
};

}  // namespace rill::detail
