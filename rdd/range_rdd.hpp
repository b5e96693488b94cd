// RangeRdd: the integers [start, end) cut into n contiguous slices, generated on the fly
// (Spark's sc.range). Nothing is materialised.
#pragma once
#include <rill/rdd/rdd.hpp>

namespace rill::detail {

class RangeRdd final : public RddNode<std::int64_t> {
 public:
  RangeRdd(std::shared_ptr<ContextState> ctx, std::int64_t start, std::int64_t end, std::size_t n)
      : RddNode<std::int64_t>(std::move(ctx), n, {}, "RangeRdd", "range"),
        start_(start),
        len_(end > start ? static_cast<std::size_t>(end - start) : 0) {}

  void compute(std::size_t p, TaskContext& tc, ChunkSink<std::int64_t>& out) override {
    const std::size_t n = num_partitions();
    // 128-bit products: len * p overflows 64 bits for very large ranges.
    const auto b = static_cast<std::size_t>((unsigned __int128)len_ * p / n);
    const auto e = static_cast<std::size_t>((unsigned __int128)len_ * (p + 1) / n);
    tc.records_in += static_cast<std::int64_t>(e - b);
    std::vector<std::int64_t> buf(std::min(chunk_size_v<std::int64_t>, e - b));
    for (std::size_t i = b; i < e;) {
      const std::size_t m = std::min(buf.size(), e - i);
      for (std::size_t j = 0; j < m; ++j) buf[j] = start_ + static_cast<std::int64_t>(i + j);
      out.push(std::span<std::int64_t>(buf.data(), m));
      i += m;
    }
  }

 private:
  std::int64_t start_;
  std::size_t len_;
};

}  // namespace rill::detail
