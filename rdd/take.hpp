// take, first, top, take_ordered: actions that need only a few elements. take scans
// partitions in growing rounds like Spark (1, then 4x more, ...); top and take_ordered
// keep a bounded heap per partition and merge them on the driver.
#pragma once
#include <algorithm>
#include <functional>
#include <rill/rdd/rdd.hpp>
#include <stdexcept>

namespace rill {

template <class T>
std::vector<T> Rdd<T>::take(std::int64_t n) const {
  if (n < 0) throw std::invalid_argument("take: n must be >= 0, got " + std::to_string(n));
  std::vector<T> result;
  const std::size_t want = static_cast<std::size_t>(n), total = num_partitions();
  std::size_t next = 0, round = 1;
  while (result.size() < want && next < total) {
    const std::size_t end = std::min(total, next + round);
    std::vector<std::size_t> parts;
    for (std::size_t p = next; p < end; ++p) parts.push_back(p);
    std::vector<std::vector<T>> got(parts.size());
    const std::size_t need = want - result.size();
    run_job(
        parts,
        [&](std::size_t p, TaskContext& tc) {
          std::vector<T> out;
          auto sink = detail::callback_sink<T>([&](std::span<T> c) {
            for (auto& x : c)
              if (out.size() < need) out.push_back(std::move(x));
          });
          node_->compute_partition(p, tc, sink);
          got[p - next] = std::move(out);
        },
        "take");
    for (auto& g : got)
      for (auto& x : g)
        if (result.size() < want) result.push_back(std::move(x));
    next = end;
    round *= 4;
  }
  return result;
}

template <class T>
T Rdd<T>::first() const {
  auto one = take(1);
  if (one.empty()) throw std::invalid_argument("first: RDD[" + std::to_string(id()) + "] is empty");
  return std::move(one.front());
}

template <class T>
template <class Cmp>
std::vector<T> Rdd<T>::take_ordered(std::int64_t n, Cmp cmp) const {
  if (n < 0) throw std::invalid_argument("take_ordered: n must be >= 0, got " + std::to_string(n));
  const std::size_t k = static_cast<std::size_t>(n);
  std::vector<std::vector<T>> parts(num_partitions());
  if (k > 0) {
    run_job(
        {},
        [&](std::size_t p, TaskContext& tc) {
          std::vector<T> heap;  // max-heap by cmp of the k smallest seen so far
          auto sink = detail::callback_sink<T>([&](std::span<T> c) {
            for (auto& x : c) {
              if (heap.size() < k) {
                heap.push_back(std::move(x));
                std::push_heap(heap.begin(), heap.end(), cmp);
              } else if (cmp(x, heap.front())) {
                std::pop_heap(heap.begin(), heap.end(), cmp);
                heap.back() = std::move(x);
                std::push_heap(heap.begin(), heap.end(), cmp);
              }
            }
          });
          node_->compute_partition(p, tc, sink);
          parts[p] = std::move(heap);
        },
        "take_ordered");
  }
  std::vector<T> all;
  for (auto& part : parts)
    all.insert(all.end(), std::make_move_iterator(part.begin()),
               std::make_move_iterator(part.end()));
  const std::size_t m = std::min(k, all.size());
  std::partial_sort(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(m), all.end(), cmp);
  all.resize(m);
  return all;
}

template <class T>
std::vector<T> Rdd<T>::take_ordered(std::int64_t n) const {
  return take_ordered(n, std::less<T>{});
}

template <class T>
template <class Cmp>
std::vector<T> Rdd<T>::top(std::int64_t n, Cmp cmp) const {
  return take_ordered(n, [cmp](const T& a, const T& b) { return cmp(b, a); });
}

template <class T>
std::vector<T> Rdd<T>::top(std::int64_t n) const {
  return take_ordered(n, std::greater<T>{});
}

}  // namespace rill
