// Rdd<T>: an immutable, partitioned, lazily computed dataset that remembers its lineage
// (Spark's RDD). A cheap shared handle to an RddNode<T>. Narrow operations build fused
// nodes, wide ones add a shuffle; actions run a job on the context's DagScheduler.
// Member definitions live in one file per operation, all included by <rill/rill.hpp>.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <rill/rdd/partitioner.hpp>
#include <rill/rdd/rdd_node.hpp>
#include <rill/rdd/traits.hpp>
#include <string>
#include <utility>
#include <vector>

namespace rill {

class Context;

template <class T>
class Rdd {
 public:
  using value_type = T;

  Rdd() = default;  // an empty handle, for containers; every operation needs a real one
  explicit Rdd(std::shared_ptr<detail::RddNode<T>> node) : node_(std::move(node)) {}

  // ---- narrow transformations (fused into one pass per partition) ----
  template <class F>
  auto map(F f) const;
  // f(x) returns any range of U; its elements go straight into the next chunk. Or the
  // emitter form: f(x, rill::Emitter<U>& emit) calls emit(args...) once per output, which
  // constructs a U in the next operator's chunk; with a generic `auto& emit`, name U:
  // flat_map<U>(f). A function taking std::string_view reads text_file lines in place.
  template <class F>
  auto flat_map(F f) const;
  template <class U, class F>
  auto flat_map(F f) const;
  template <class F>
  Rdd<T> filter(F f) const;
  // f(std::vector<T>) -> range of U: the one narrow operation that sees a whole partition.
  template <class F>
  auto map_partitions(F f, bool preserves_partitioning = false) const;
  template <class F>
  auto map_partitions_with_index(F f, bool preserves_partitioning = false) const;
  template <class F>
  auto key_by(F f) const;
  Rdd<T> union_with(const Rdd<T>& other) const;
  Rdd<T> sample(bool with_replacement, double fraction, std::uint64_t seed = 42) const;
  Rdd<std::vector<T>> glom() const;
  Rdd<std::pair<T, std::int64_t>> zip_with_index() const;  // runs a counting job, like Spark
  Rdd<T> coalesce(std::int64_t n) const;

  // ---- wide transformations (a shuffle, a new stage) ----
  Rdd<T> repartition(std::int64_t n) const;
  Rdd<T> distinct() const;
  Rdd<T> distinct(std::int64_t n) const;
  template <class F>
  Rdd<T> sort_by(F key_fn, bool ascending = true, std::int64_t n = 0) const;  // 0: keep count
  Rdd<T> intersection(const Rdd<T>& other) const;
  Rdd<T> subtract(const Rdd<T>& other) const;
  template <class U>
  Rdd<std::pair<T, U>> cartesian(const Rdd<U>& other) const;

  // ---- actions ----
  std::vector<T> collect() const;
  std::int64_t count() const;
  template <class F>
  T reduce(F f) const;
  template <class F>
  T fold(T zero, F f) const;
  template <class U, class Seq, class Comb>
  U aggregate(U zero, Seq seq, Comb comb) const;
  std::vector<T> take(std::int64_t n) const;
  T first() const;
  std::vector<T> top(std::int64_t n) const;  // largest first
  template <class Cmp>
  std::vector<T> top(std::int64_t n, Cmp cmp) const;
  std::vector<T> take_ordered(std::int64_t n) const;  // smallest first
  template <class Cmp>
  std::vector<T> take_ordered(std::int64_t n, Cmp cmp) const;
  std::map<T, std::int64_t> count_by_value() const;
  template <class F>
  void foreach (F f) const;
  template <class F>
  void foreach_partition(F f) const;  // f(const std::vector<T>&)
  void save_as_text_file(const std::string& dir) const;

  // ---- lineage and persistence ----
  Rdd<T> cache() const { return persist(); }
  Rdd<T> persist() const;
  Rdd<T> unpersist() const;
  Rdd<T> checkpoint() const;
  bool is_checkpointed() const { return node().is_checkpointed(); }
  std::size_t num_partitions() const { return node().num_partitions(); }
  std::size_t id() const { return node().id(); }
  std::string debug_string() const;
  std::shared_ptr<const Partitioner> partitioner() const { return node().partitioner(); }
  Context context() const;

  // ---- pair operations: T = std::pair<K, V> ----
  template <class F>
  auto map_values(F f) const;
  template <class F>
  auto flat_map_values(F f) const;
  template <class W, class F>  // emitter form: f(const V&, auto& emit), emit(w) per value
  auto flat_map_values(F f) const;
  auto keys() const;
  auto values() const;
  template <class Create, class MergeValue, class MergeCombiners>
  auto combine_by_key(Create create, MergeValue merge_value, MergeCombiners merge_combiners,
                      std::int64_t n = 0) const;
  template <class F>
  Rdd<T> reduce_by_key(F f, std::int64_t n = 0) const;
  template <class V, class F>
  Rdd<T> fold_by_key(V zero, F f, std::int64_t n = 0) const;
  template <class U, class Seq, class Comb>
  auto aggregate_by_key(U zero, Seq seq, Comb comb, std::int64_t n = 0) const;
  auto group_by_key(std::int64_t n = 0) const;
  Rdd<T> sort_by_key(bool ascending = true, std::int64_t n = 0) const;
  template <class P>
  Rdd<T> partition_by(const P& partitioner) const;
  template <class W, class U = T>
  auto cogroup(const Rdd<std::pair<typename U::first_type, W>>& other, std::int64_t n = 0) const;
  template <class W, class U = T>
  auto join(const Rdd<std::pair<typename U::first_type, W>>& other, std::int64_t n = 0) const;
  template <class W, class U = T>
  auto left_outer_join(const Rdd<std::pair<typename U::first_type, W>>& other,
                       std::int64_t n = 0) const;
  template <class W, class U = T>
  auto right_outer_join(const Rdd<std::pair<typename U::first_type, W>>& other,
                        std::int64_t n = 0) const;
  template <class W, class U = T>
  auto full_outer_join(const Rdd<std::pair<typename U::first_type, W>>& other,
                       std::int64_t n = 0) const;
  auto count_by_key() const;
  template <class U = T>
  auto lookup(const typename U::first_type& key) const;
  auto collect_as_map() const;

  // ---- internals, for operators and the streaming layer ----
  detail::RddNode<T>& node() const;
  const std::shared_ptr<detail::RddNode<T>>& node_ptr() const { return node_; }
  explicit operator bool() const { return node_ != nullptr; }
  // Runs `task` on the given partitions (all when empty) as one job.
  void run_job(const std::vector<std::size_t>& partitions,
               const std::function<void(std::size_t, TaskContext&)>& task,
               const std::string& name) const;

 private:
  std::shared_ptr<detail::RddNode<T>> node_;
};

template <class T>
detail::RddNode<T>& Rdd<T>::node() const {
  if (!node_) throw std::logic_error("operation on an empty Rdd handle (default-constructed)");
  return *node_;
}

template <class T>
void Rdd<T>::run_job(const std::vector<std::size_t>& partitions,
                     const std::function<void(std::size_t, TaskContext&)>& task,
                     const std::string& name) const {
  std::vector<std::size_t> all;
  if (partitions.empty()) {
    all.resize(num_partitions());
    for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
  }
  node().context()->run_job(node_, partitions.empty() ? all : partitions, task, name);
}

template <class T>
Rdd<T> Rdd<T>::persist() const {
  node().persist();
  return *this;
}

template <class T>
Rdd<T> Rdd<T>::unpersist() const {
  node().unpersist();
  return *this;
}

}  // namespace rill
