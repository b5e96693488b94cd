// coalesce(n): merges contiguous parent partitions into n (Spark's coalesce without
// shuffle). Narrow; asking for more partitions than exist keeps the current count.
#pragma once
#include <rill/rdd/rdd.hpp>

namespace rill::detail {

template <class T>
class CoalescedNode final : public RddNode<T> {
 public:
  CoalescedNode(const std::shared_ptr<RddNode<T>>& parent, std::size_t n)
      : RddNode<T>(parent->context(), n, {Dependency{Dependency::Kind::range, parent, nullptr}},
                   "CoalescedRdd", "coalesce"),
        parents_(parent->num_partitions()) {}
  void compute(std::size_t p, TaskContext& tc, ChunkSink<T>& out) override {
    const std::size_t n = this->num_partitions();
    auto parent = this->template parent<T>();
    for (std::size_t q = p * parents_ / n; q < (p + 1) * parents_ / n; ++q)
      parent->compute_partition(q, tc, out);
  }

 private:
  std::size_t parents_;
};

}  // namespace rill::detail

namespace rill {

template <class T>
Rdd<T> Rdd<T>::coalesce(std::int64_t n) const {
  const auto want = detail::checked_partitions(n, "coalesce");
  if (want >= num_partitions()) return *this;
  return Rdd<T>(std::make_shared<detail::CoalescedNode<T>>(node_ptr(), want));
}

}  // namespace rill
