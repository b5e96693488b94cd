// The basic actions: collect, count, reduce, fold, aggregate, foreach, foreach_partition.
// Each runs one job; every task writes only its own result slot, so a retried task
// simply overwrites what a failed attempt left.
#pragma once
#include <optional>
#include <rill/rdd/rdd.hpp>
#include <stdexcept>

namespace rill {

template <class T>
std::vector<T> Rdd<T>::collect() const {
  std::vector<std::vector<T>> parts(num_partitions());
  run_job(
      {},
      [&](std::size_t p, TaskContext& tc) {
        std::vector<T> out;
        detail::CollectSink<T> sink(out);
        node_->compute_partition(p, tc, sink);
        tc.records_out += static_cast<std::int64_t>(out.size());
        parts[p] = std::move(out);
      },
      "collect");
  std::size_t total = 0;
  for (const auto& part : parts) total += part.size();
  std::vector<T> all;
  all.reserve(total);
  for (auto& part : parts)
    all.insert(all.end(), std::make_move_iterator(part.begin()),
               std::make_move_iterator(part.end()));
  return all;
}

template <class T>
std::int64_t Rdd<T>::count() const {
  std::vector<std::int64_t> counts(num_partitions(), 0);
  run_job(
      {},
      [&](std::size_t p, TaskContext& tc) {
        std::int64_t n = 0;
        auto sink =
            detail::callback_sink<T>([&](auto c) { n += static_cast<std::int64_t>(c.size()); });
        node_->compute_partition(p, tc, sink);
        counts[p] = n;
        tc.records_out = 1;
      },
      "count");
  std::int64_t total = 0;
  for (auto c : counts) total += c;
  return total;
}

template <class T>
template <class U, class Seq, class Comb>
U Rdd<T>::aggregate(U zero, Seq seq, Comb comb) const {
  std::vector<std::optional<U>> parts(num_partitions());
  run_job(
      {},
      [&](std::size_t p, TaskContext& tc) {
        U acc = zero;
        Seq f = seq;
        auto sink = detail::callback_sink<T>([&](auto c) {
          for (auto& x : c) acc = std::invoke(f, std::move(acc), std::as_const(x));
        });
        node_->compute_partition(p, tc, sink);
        parts[p] = std::move(acc);
        tc.records_out = 1;
      },
      "aggregate");
  U result = std::move(zero);
  for (auto& part : parts) result = std::invoke(comb, std::move(result), std::move(*part));
  return result;
}

template <class T>
template <class F>
T Rdd<T>::fold(T zero, F f) const {
  return aggregate(std::move(zero), f, f);
}

template <class T>
template <class F>
T Rdd<T>::reduce(F f) const {
  std::vector<std::optional<T>> parts(num_partitions());
  run_job(
      {},
      [&](std::size_t p, TaskContext& tc) {
        std::optional<T> acc;
        F g = f;
        auto sink = detail::callback_sink<T>([&](std::span<T> c) {
          for (auto& x : c)
            acc = acc ? T(std::invoke(g, std::move(*acc), std::move(x))) : std::move(x);
        });
        node_->compute_partition(p, tc, sink);
        parts[p] = std::move(acc);
        tc.records_out = 1;
      },
      "reduce");
  std::optional<T> result;
  for (auto& part : parts)
    if (part)
      result = result ? T(std::invoke(f, std::move(*result), std::move(*part))) : std::move(*part);
  if (!result)
    throw std::invalid_argument("reduce: RDD[" + std::to_string(id()) +
                                "] is empty (use fold with a zero value for possibly empty RDDs)");
  return std::move(*result);
}

template <class T>
template <class F>
void Rdd<T>::foreach (F f) const {
  run_job(
      {},
      [&](std::size_t p, TaskContext& tc) {
        F g = f;
        auto sink = detail::callback_sink<T>([&](auto c) {
          for (auto& x : c) std::invoke(g, std::as_const(x));
        });
        node_->compute_partition(p, tc, sink);
      },
      "foreach");
}

template <class T>
template <class F>
void Rdd<T>::foreach_partition(F f) const {
  run_job(
      {},
      [&](std::size_t p, TaskContext& tc) {
        std::vector<T> part;
        detail::CollectSink<T> sink(part);
        node_->compute_partition(p, tc, sink);
        F g = f;
        std::invoke(g, std::as_const(part));
      },
      "foreach_partition");
}

}  // namespace rill
