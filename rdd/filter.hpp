// filter: keeps the elements for which f is true. Narrow, keeps the partitioner (Spark
// does too), and compacts each chunk in place instead of copying it.
#pragma once
#include <rill/rdd/rdd.hpp>

namespace rill {
namespace detail {

template <class T, class F>
class FilterSink final : public ChunkSink<T> {
 public:
  FilterSink(F& f, ChunkSink<T>& out) : f_(f), out_(out) {}
  void push(std::span<T> chunk) override {
    std::size_t kept = 0;
    for (std::size_t i = 0; i < chunk.size(); ++i) {
      if (std::invoke(f_, std::as_const(chunk[i]))) {
        if (kept != i) chunk[kept] = std::move(chunk[i]);
        ++kept;
      }
    }
    if (kept) out_.push(chunk.first(kept));
  }
  // Copies only what it keeps.
  void push_const(std::span<const T> chunk) override {
    if constexpr (std::is_copy_constructible_v<T>) {
      std::vector<T> kept;
      for (const auto& x : chunk)
        if (std::invoke(f_, x)) kept.push_back(x);
      if (!kept.empty()) out_.push(std::span<T>(kept));
    } else {
      ChunkSink<T>::push_const(chunk);
    }
  }

 private:
  F& f_;
  ChunkSink<T>& out_;
};

template <class T, class F>
class FilterNode final : public RddNode<T> {
 public:
  FilterNode(const std::shared_ptr<RddNode<T>>& parent, F f)
      : RddNode<T>(parent->context(), parent->num_partitions(),
                   {Dependency{Dependency::Kind::one_to_one, parent, nullptr}}, "MapPartitionsRdd",
                   "filter"),
        f_(std::move(f)) {
    this->set_partitioner(parent->partitioner());
  }
  void compute(std::size_t p, TaskContext& tc, ChunkSink<T>& out) override {
    F f = f_;  // a copy per task: user functions may keep state
    FilterSink<T, F> sink(f, out);
    this->template parent<T>()->compute_partition(p, tc, sink);
  }

 private:
  F f_;
};

}  // namespace detail

template <class T>
template <class F>
Rdd<T> Rdd<T>::filter(F f) const {
  return Rdd<T>(std::make_shared<detail::FilterNode<T, F>>(node_ptr(), std::move(f)));
}

}  // namespace rill
