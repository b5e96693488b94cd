// ParallelCollection: a driver-side vector cut into n contiguous slices (Spark's
// ParallelCollectionRDD); slice i = [i*len/n, (i+1)*len/n). Also serves pre-cut
// partitions, such as the blocks a receiver stored for one batch. The slices of one vector
// are ranges of it: parallelize of an rvalue keeps the caller's buffer, no second copy.
#pragma once
#include <rill/rdd/rdd.hpp>

namespace rill::detail {

template <class T>
class ParallelCollection final : public RddNode<T> {
 public:
  struct Slice {
    std::shared_ptr<const std::vector<T>> data;
    std::size_t begin = 0, end = 0;  // [begin, end) of *data
  };
  using Slices = std::vector<Slice>;

  static Slice whole(std::vector<T> data) {
    const std::size_t n = data.size();
    return {std::make_shared<const std::vector<T>>(std::move(data)), 0, n};
  }

  ParallelCollection(std::shared_ptr<ContextState> ctx, Slices slices, std::string op)
      : RddNode<T>(std::move(ctx), slices.size(), {}, "ParallelCollectionRdd", std::move(op)),
        slices_(std::move(slices)) {}

  static Slices cut(std::vector<T> data, std::size_t n) {
    Slices out;
    out.reserve(n);
    const std::size_t len = data.size();
    if constexpr (std::is_same_v<T, bool>) {  // std::vector<bool> has no spans: copied
      for (std::size_t i = 0; i < n; ++i)
        out.push_back(
            whole(std::vector<T>(data.begin() + i * len / n, data.begin() + (i + 1) * len / n)));
    } else {
      auto all = std::make_shared<const std::vector<T>>(std::move(data));
      for (std::size_t i = 0; i < n; ++i) out.push_back({all, i * len / n, (i + 1) * len / n});
    }
    return out;
  }

  void compute(std::size_t p, TaskContext& tc, ChunkSink<T>& out) override {
    const Slice& s = slices_[p];
    tc.records_in += static_cast<std::int64_t>(s.end - s.begin);
    if constexpr (std::is_same_v<T, bool>)
      push_shared<T>(*s.data, out);
    else
      push_shared<T>(std::span<const T>(s.data->data() + s.begin, s.end - s.begin), out);
  }

 private:
  Slices slices_;  // immutable after construction
};

}  // namespace rill::detail
