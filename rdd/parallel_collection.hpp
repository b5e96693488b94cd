// ParallelCollection: a driver-side vector cut into n contiguous slices (Spark's
// ParallelCollectionRDD); slice i = [i*len/n, (i+1)*len/n). Also serves pre-cut
// partitions, such as the blocks a receiver stored for one batch.
#pragma once
#include <rill/rdd/rdd.hpp>

namespace rill::detail {

template <class T>
class ParallelCollection final : public RddNode<T> {
 public:
  using Slices = std::vector<std::shared_ptr<const std::vector<T>>>;

  ParallelCollection(std::shared_ptr<ContextState> ctx, Slices slices, std::string op)
      : RddNode<T>(std::move(ctx), slices.size(), {}, "ParallelCollectionRdd", std::move(op)),
        slices_(std::move(slices)) {}

  static Slices cut(std::vector<T> data, std::size_t n) {
    Slices out;
    out.reserve(n);
    const std::size_t len = data.size();
    for (std::size_t i = 0; i < n; ++i) {
      const std::size_t b = i * len / n, e = (i + 1) * len / n;
      out.push_back(std::make_shared<const std::vector<T>>(
          std::make_move_iterator(data.begin() + b), std::make_move_iterator(data.begin() + e)));
    }
    return out;
  }

  void compute(std::size_t p, TaskContext& tc, ChunkSink<T>& out) override {
    const auto& slice = *slices_[p];
    tc.records_in += static_cast<std::int64_t>(slice.size());
    push_shared<T>(slice, out);
  }

 private:
  Slices slices_;  // immutable after construction
};

}  // namespace rill::detail
