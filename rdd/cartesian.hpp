// cartesian: every pair (a, b) of the two RDDs (Spark's CartesianRDD). Partition (i, j)
// pairs partition i of this RDD with partition j of the other; partition j is
// materialised once per task. Its output is |a| x |b|: use with care.
#pragma once
#include <rill/rdd/rdd.hpp>

namespace rill::detail {

template <class T, class U>
class CartesianNode final : public RddNode<std::pair<T, U>> {
 public:
  CartesianNode(const std::shared_ptr<RddNode<T>>& a, const std::shared_ptr<RddNode<U>>& b)
      : RddNode<std::pair<T, U>>(a->context(), a->num_partitions() * b->num_partitions(),
                                 {Dependency{Dependency::Kind::range, a, nullptr},
                                  Dependency{Dependency::Kind::range, b, nullptr}},
                                 "CartesianRdd", "cartesian"),
        right_parts_(b->num_partitions()) {}

  void compute(std::size_t p, TaskContext& tc, ChunkSink<std::pair<T, U>>& out) override {
    std::vector<U> right;
    CollectSink<U> collect(right);
    this->template parent<U>(1)->compute_partition(p % right_parts_, tc, collect);
    ChunkWriter<std::pair<T, U>> w(out);
    auto sink = callback_sink<T>([&](std::span<T> c) {
      for (const auto& x : c)
        for (const auto& y : right) w(x, y);
    });
    this->template parent<T>(0)->compute_partition(p / right_parts_, tc, sink);
    w.flush();
  }

 private:
  std::size_t right_parts_;
};

}  // namespace rill::detail

namespace rill {

template <class T>
template <class U>
Rdd<std::pair<T, U>> Rdd<T>::cartesian(const Rdd<U>& other) const {
  return Rdd<std::pair<T, U>>(
      std::make_shared<detail::CartesianNode<T, U>>(node_ptr(), other.node_ptr()));
}

}  // namespace rill
