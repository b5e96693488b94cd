// zip_with_index: pairs each element with its position in the whole RDD (Spark's
// zipWithIndex). Narrow after one counting job that finds each partition's start index.
#pragma once
#include <rill/rdd/actions.hpp>
#include <rill/rdd/narrow_node.hpp>

namespace rill {

template <class T>
Rdd<std::pair<T, std::int64_t>> Rdd<T>::zip_with_index() const {
  std::vector<std::int64_t> starts(num_partitions(), 0);
  if (num_partitions() > 1) {
    std::vector<std::int64_t> counts(num_partitions(), 0);
    run_job(
        {},
        [&](std::size_t p, TaskContext& tc) {
          std::int64_t n = 0;
          auto sink = detail::callback_sink<T>([&](auto c) { n += std::int64_t(c.size()); });
          node_->compute_partition(p, tc, sink);
          counts[p] = n;
        },
        "zip_with_index count");
    for (std::size_t p = 1; p < counts.size(); ++p) starts[p] = starts[p - 1] + counts[p - 1];
  }
  return detail::make_narrow<std::pair<T, std::int64_t>>(
      *this,
      [starts](std::size_t p) {
        return [i = starts[p]](T& x, auto& emit) mutable { emit(std::move(x), i++); };
      },
      "zip_with_index");
}

}  // namespace rill
