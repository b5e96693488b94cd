// union_with: the partitions of this RDD followed by those of the other (Spark's
// UnionRDD). Narrow (range dependencies); nothing is copied.
#pragma once
#include <rill/rdd/rdd.hpp>

namespace rill::detail {

template <class T>
class UnionNode final : public RddNode<T> {
 public:
  explicit UnionNode(const std::vector<std::shared_ptr<RddNode<T>>>& parents)
      : RddNode<T>(parents.front()->context(), total(parents), deps(parents), "UnionRdd", "union") {
    for (const auto& p : parents) offsets_.push_back(p->num_partitions());
  }
  void compute(std::size_t p, TaskContext& tc, ChunkSink<T>& out) override {
    std::size_t i = 0;
    while (p >= offsets_[i]) p -= offsets_[i++];
    this->template parent<T>(i)->compute_partition(p, tc, out);
  }

 private:
  static std::size_t total(const std::vector<std::shared_ptr<RddNode<T>>>& parents) {
    std::size_t n = 0;
    for (const auto& p : parents) n += p->num_partitions();
    return n;
  }
  static std::vector<Dependency> deps(const std::vector<std::shared_ptr<RddNode<T>>>& parents) {
    std::vector<Dependency> d;
    for (const auto& p : parents) d.push_back({Dependency::Kind::range, p, nullptr});
    return d;
  }
  std::vector<std::size_t> offsets_;  // partitions per parent
};

}  // namespace rill::detail

namespace rill {

template <class T>
Rdd<T> Rdd<T>::union_with(const Rdd<T>& other) const {
  if (node().context() != other.node().context())
    throw std::invalid_argument("union_with: the two RDDs belong to different Contexts");
  return Rdd<T>(std::make_shared<detail::UnionNode<T>>(
      std::vector<std::shared_ptr<detail::RddNode<T>>>{node_ptr(), other.node_ptr()}));
}

// Spark's sc.union: one RDD over the partitions of all of them, in order.
template <class T>
Rdd<T> union_all(const std::vector<Rdd<T>>& rdds) {
  if (rdds.empty()) throw std::invalid_argument("union_all: no RDDs given");
  std::vector<std::shared_ptr<detail::RddNode<T>>> nodes;
  for (const auto& r : rdds) nodes.push_back(r.node_ptr());
  return Rdd<T>(std::make_shared<detail::UnionNode<T>>(nodes));
}

}  // namespace rill
