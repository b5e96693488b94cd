// Context: the driver-side entry point of batch work (Spark's SparkContext). Creates
// source RDDs and owns the TBB arena every job of its RDDs runs in. A cheap shared handle.
#pragma once
#include <initializer_list>
#include <memory>
#include <rill/rdd/config.hpp>
#include <rill/rdd/parallel_collection.hpp>
#include <rill/rdd/range_rdd.hpp>
#include <rill/rdd/rdd.hpp>
#include <string>
#include <vector>

namespace rill {

class Context {
 public:
  Context() : Context(Config{}) {}
  explicit Context(Config config);
  explicit Context(std::shared_ptr<detail::ContextState> state) : state_(std::move(state)) {}

  template <class T>
  Rdd<T> parallelize(std::vector<T> data) const {
    return parallelize(std::move(data), static_cast<std::int64_t>(state_->source_partitions()));
  }
  template <class T>
  Rdd<T> parallelize(std::vector<T> data, std::int64_t partitions) const {
    const auto n = detail::checked_partitions(partitions, "parallelize");
    return from_slices<T>(detail::ParallelCollection<T>::cut(std::move(data), n), "parallelize");
  }
  template <class T>
  Rdd<T> parallelize(std::initializer_list<T> data, std::int64_t partitions) const {
    return parallelize(std::vector<T>(data), partitions);
  }
  // One partition per given vector, kept as it is (a receiver's blocks, for example).
  template <class T>
  Rdd<T> parallelize_partitions(std::vector<std::vector<T>> parts,
                                std::string op = "blocks") const {
    typename detail::ParallelCollection<T>::Slices slices;
    slices.reserve(parts.size());
    for (auto& p : parts) slices.push_back(detail::ParallelCollection<T>::whole(std::move(p)));
    return from_slices<T>(std::move(slices), std::move(op));
  }
  template <class T>
  Rdd<T> empty_rdd() const {
    return from_slices<T>({}, "empty_rdd");
  }

  Rdd<std::int64_t> range(std::int64_t start, std::int64_t end) const;
  Rdd<std::int64_t> range(std::int64_t start, std::int64_t end, std::int64_t partitions) const;
  // Lines of every file the path or glob matches; big files are split by byte ranges.
  Rdd<std::string> text_file(const std::string& path) const;
  Rdd<std::string> text_file(const std::string& path, std::int64_t min_partitions) const;

  // Forgets one cached partition, as if evicted; the next job recomputes it from lineage.
  bool drop_cached_partition(std::size_t rdd_id, std::size_t partition) const;
  std::size_t cached_partitions() const { return state_->blocks().size(); }

  JobMetrics last_job_metrics() const { return state_->scheduler().last_job_metrics(); }
  std::vector<JobMetrics> job_history() const { return state_->scheduler().job_history(); }
  std::size_t shuffle_stages_run() const { return state_->scheduler().shuffle_stages_run(); }

  const Config& config() const { return state_->config(); }
  const std::shared_ptr<detail::ContextState>& state() const { return state_; }

 private:
  template <class T>
  Rdd<T> from_slices(typename detail::ParallelCollection<T>::Slices slices, std::string op) const {
    return Rdd<T>(
        std::make_shared<detail::ParallelCollection<T>>(state_, std::move(slices), std::move(op)));
  }

  std::shared_ptr<detail::ContextState> state_;
};

template <class T>
Context Rdd<T>::context() const {
  return Context(node().context());
}

}  // namespace rill
