// count_by_window and count_by_value_and_window (Spark's countByWindow and
// countByValueAndWindow): incremental windows, like Spark's map(_ => 1L).reduceByWindow(
// _ + _, _ - _) and map((_, 1L)).reduceByKeyAndWindow(_ + _, _ - _, ..., _._2 != 0). Per
// slide they touch the batches entering and leaving, never the whole window. Unlike Spark
// they need no ssc.checkpoint(dir) (API.md): without one, their lineage is checkpointed
// in the Context's checkpoint directory.
#pragma once
#include <rill/dstream/count.hpp>
#include <rill/dstream/map.hpp>
#include <rill/dstream/reduced_window.hpp>

namespace rill {

template <class T>
DStream<std::int64_t> DStream<T>::count_by_window(Duration length, Duration slide) const {
  detail::check_window(node(), length, slide, "count_by_window");
  // One key for the whole stream; the window keeps it at 0 once data has left it.
  auto ones = map([](const T&) { return std::pair<int, std::int64_t>(0, 1); });
  auto counts =
      detail::incremental_window(ones, std::plus<std::int64_t>{}, std::minus<std::int64_t>{},
                                 length, slide, 1, nullptr, "count_by_window", false);
  return detail::derive<std::int64_t>(counts, "count_by_window",
                                      [](const Rdd<std::pair<int, std::int64_t>>& r, Time) {
                                        return detail::total_count(r.values());
                                      });
}

template <class T>
DStream<std::pair<T, std::int64_t>> DStream<T>::count_by_value_and_window(Duration length,
                                                                          Duration slide,
                                                                          std::int64_t n) const {
  detail::check_window(node(), length, slide, "count_by_value_and_window");
  using KV = std::pair<T, std::int64_t>;
  if constexpr (detail::checkpointable_v<KV>) {
    return detail::incremental_window(
        map([](const T& x) { return KV(x, 1); }), std::plus<std::int64_t>{},
        std::minus<std::int64_t>{}, length, slide, n, [](const KV& kv) { return kv.second != 0; },
        "count_by_value_and_window", false);
  } else {
    // Without a Serializer the incremental chain could never be truncated: recompute.
    return window(length, slide).count_by_value(n);
  }
}

}  // namespace rill
