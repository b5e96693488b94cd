// DStream<T>: a discretized stream, one RDD of T per batch time (Spark's DStream). A cheap
// shared handle to a DStreamNode<T>; transformations build new nodes lazily, output
// operations register jobs that run once per batch after start(). Member definitions live
// in one file per operation family, all included by <rill/rill.hpp>.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <rill/dstream/dstream_node.hpp>
#include <rill/rdd/rdd.hpp>
#include <string>
#include <utility>
#include <vector>

namespace rill {

template <class T>
class EventStream;

template <class T>
class DStream {
 public:
  using value_type = T;

  DStream() = default;  // an empty handle, for containers
  explicit DStream(std::shared_ptr<detail::DStreamNode<T>> node) : node_(std::move(node)) {}

  // ---- per-batch transformations (each applies the RDD operation to every batch) ----
  template <class F>
  auto map(F f) const;
  template <class F>
  auto flat_map(F f) const;
  template <class F>
  DStream<T> filter(F f) const;
  template <class F>
  auto map_partitions(F f, bool preserves_partitioning = false) const;
  DStream<T> repartition(std::int64_t n) const;
  DStream<T> union_with(const DStream<T>& other) const;
  DStream<std::int64_t> count() const;  // one element per batch, 0 when empty
  DStream<std::pair<T, std::int64_t>> count_by_value(std::int64_t n = 0) const;
  template <class F>
  DStream<T> reduce(F f) const;  // one element per non-empty batch
  // f(const Rdd<T>&) or f(const Rdd<T>&, Time) -> Rdd<U>; runs on the job generator's
  // thread when the batch is generated (like Spark's transform).
  template <class F>
  auto transform(F f) const;
  // f(const Rdd<T>&, const Rdd<U>&) or f(const Rdd<T>&, const Rdd<U>&, Time) -> Rdd<R>.
  template <class U, class F>
  auto transform_with(const DStream<U>& other, F f) const;

  // ---- event time (event_stream.hpp): ts_fn(const T&) -> Time, delay >= 0 ----
  template <class F>
  EventStream<T> with_watermark(F ts_fn, Duration delay) const;

  // ---- windows: length and slide are multiples of this stream's slide ----
  DStream<T> window(Duration length) const;
  DStream<T> window(Duration length, Duration slide) const;
  DStream<std::int64_t> count_by_window(Duration length, Duration slide) const;
  template <class F>
  DStream<T> reduce_by_window(F f, Duration length, Duration slide) const;
  DStream<std::pair<T, std::int64_t>> count_by_value_and_window(Duration length, Duration slide,
                                                                std::int64_t n = 0) const;
  // The RDDs this stream generated (or generates now) for the batch times in [from, to].
  // Only after start(), on a stream an output depends on (else std::logic_error).
  std::vector<Rdd<T>> slice(Time from, Time to) const;

  // ---- pair operations: T = std::pair<K, V> ----
  template <class F>
  DStream<T> reduce_by_key(F f, std::int64_t n = 0) const;
  auto group_by_key(std::int64_t n = 0) const;
  template <class W, class U = T>
  auto join(const DStream<std::pair<typename U::first_type, W>>& other, std::int64_t n = 0) const;
  template <class W, class U = T>
  auto left_outer_join(const DStream<std::pair<typename U::first_type, W>>& other,
                       std::int64_t n = 0) const;
  template <class W, class U = T>
  auto right_outer_join(const DStream<std::pair<typename U::first_type, W>>& other,
                        std::int64_t n = 0) const;
  template <class W, class U = T>
  auto full_outer_join(const DStream<std::pair<typename U::first_type, W>>& other,
                       std::int64_t n = 0) const;
  template <class W, class U = T>
  auto cogroup(const DStream<std::pair<typename U::first_type, W>>& other,
               std::int64_t n = 0) const;
  // f(const std::vector<V>& new_values, std::optional<S> state) -> std::optional<S>.
  template <class F>
  auto update_state_by_key(F f, std::int64_t n = 0) const;
  template <class Spec>
  auto map_with_state(const Spec& spec) const;
  template <class F>
  DStream<T> reduce_by_key_and_window(F f, Duration length, Duration slide,
                                      std::int64_t n = 0) const;
  // Incremental: each slide reduces the batches entering the window and "subtracts" those
  // leaving it with inverse; filter_fn(const T&) -> bool drops pairs from the result.
  template <class F, class G, class Filter = std::nullptr_t>
  requires std::invocable<G&, typename T::second_type, typename T::second_type> DStream<T>
  reduce_by_key_and_window(F f, G inverse, Duration length, Duration slide, std::int64_t n = 0,
                           Filter filter_fn = nullptr)
  const;

  // ---- output operations ----
  // fn(const Rdd<T>&) or fn(const Rdd<T>&, Time), called once per batch after start().
  template <class F>
  void foreach_rdd(F f) const;
  void print(std::size_t n = 10) const;
  void save_as_text_files(const std::string& prefix, const std::string& suffix = "") const;

  // ---- persistence ----
  DStream<T> cache() const { return persist(); }
  DStream<T> persist() const {
    node().set_persist(true);
    return *this;
  }
  // Checkpoints every RDD of a batch time that is a multiple of interval after zero
  // (needs ssc.checkpoint(dir)); truncates lineage of long-lived chains.
  DStream<T> checkpoint(Duration interval) const {
    node().set_checkpoint_interval(interval);
    return *this;
  }
  Duration slide_duration() const { return node().slide_duration(); }

  // ---- internals, for operators and tests ----
  detail::DStreamNode<T>& node() const {
    if (!node_)
      throw std::logic_error("operation on an empty DStream handle (default-constructed)");
    return *node_;
  }
  const std::shared_ptr<detail::DStreamNode<T>>& node_ptr() const { return node_; }
  explicit operator bool() const { return node_ != nullptr; }

 private:
  std::shared_ptr<detail::DStreamNode<T>> node_;
};

template <class T>
std::vector<Rdd<T>> DStream<T>::slice(Time from, Time to) const {
  node().require_initialized("slice()");
  return node().slice(from, to);
}

}  // namespace rill
