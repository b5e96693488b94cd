// map_partitions, map_partitions_with_index and glom: operations that see a whole
// partition at once (Spark's mapPartitions). Narrow, but the input partition is
// materialised as a std::vector<T> for f.
#pragma once
#include <ranges>
#include <rill/rdd/rdd.hpp>

namespace rill::detail {

template <class T, class U, class F>
class MapPartitionsNode final : public RddNode<U> {
 public:
  MapPartitionsNode(const std::shared_ptr<RddNode<T>>& parent, F f, std::string op, bool preserves)
      : RddNode<U>(parent->context(), parent->num_partitions(),
                   {Dependency{Dependency::Kind::one_to_one, parent, nullptr}}, "MapPartitionsRdd",
                   std::move(op)),
        f_(std::move(f)) {
    if (preserves) this->set_partitioner(parent->partitioner());
  }

  void compute(std::size_t p, TaskContext& tc, ChunkSink<U>& out) override {
    std::vector<T> in;
    CollectSink<T> sink(in);
    this->template parent<T>()->compute_partition(p, tc, sink);
    F f = f_;
    auto&& result = std::invoke(f, p, std::move(in));
    ChunkWriter<U> w(out);
    for (auto&& u : result) w(std::move(u));
    w.flush();
  }

 private:
  F f_;  // f(partition index, std::vector<T>) -> range of U
};

template <class T, class F>
auto make_map_partitions(const Rdd<T>& in, F f, std::string op, bool preserves) {
  using R = std::decay_t<std::invoke_result_t<F&, std::size_t, std::vector<T>&&>>;
  using U = std::decay_t<std::ranges::range_value_t<R>>;
  return Rdd<U>(std::make_shared<MapPartitionsNode<T, U, F>>(in.node_ptr(), std::move(f),
                                                             std::move(op), preserves));
}

}  // namespace rill::detail

namespace rill {

template <class T>
template <class F>
auto Rdd<T>::map_partitions_with_index(F f, bool preserves_partitioning) const {
  return detail::make_map_partitions(
      *this,
      [f](std::size_t p, std::vector<T>&& part) mutable {
        if constexpr (std::is_invocable_v<F&, std::size_t, std::vector<T>&&>)
          return std::invoke(f, p, std::move(part));
        else
          return std::invoke(f, p, part);
      },
      "map_partitions_with_index", preserves_partitioning);
}

template <class T>
template <class F>
auto Rdd<T>::map_partitions(F f, bool preserves_partitioning) const {
  return detail::make_map_partitions(
      *this,
      [f](std::size_t, std::vector<T>&& part) mutable {
        if constexpr (std::is_invocable_v<F&, std::vector<T>&&>)
          return std::invoke(f, std::move(part));
        else
          return std::invoke(f, part);
      },
      "map_partitions", preserves_partitioning);
}

template <class T>
Rdd<std::vector<T>> Rdd<T>::glom() const {
  return detail::make_map_partitions(
      *this,
      [](std::size_t, std::vector<T>&& part) {
        return std::vector<std::vector<T>>{std::move(part)};
      },
      "glom", false);
}

}  // namespace rill
