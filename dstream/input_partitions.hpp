// InputPartitions<T>: the hand-over of an input that reads its data when the batch is
// allocated (text_file_stream, jetstream_direct_stream): the partitions read for batch t
// are counted for the batch's info, held until compute(t) turns them into the batch's
// RDD (one partition each, no copy), and forgotten. Thread safe on its own.
#pragma once
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <rill/dstream/dstream_graph.hpp>
#include <rill/rdd/rdd.hpp>
#include <vector>

namespace rill::detail {

template <class T>
class InputPartitions {
 public:
  using Parts = std::vector<std::vector<T>>;

  // The end of allocate_batch(t): `make_rdd` is the node's get_or_compute(t), called (when
  // the node has consumers) while the parts are held.
  template <class MakeRdd>
  void deliver(DStreamGraph& graph, Time t, Parts parts, MakeRdd&& make_rdd) {
    std::int64_t records = 0;
    for (auto& p : parts) records += static_cast<std::int64_t>(p.size());
    graph.report_input(t, records);
    {
      std::lock_guard lock(mutex_);
      held_[t] = std::move(parts);
    }
    make_rdd();
    std::lock_guard lock(mutex_);
    held_.erase(t);
  }

  // compute(t): the held parts as an RDD (an empty RDD when there are none).
  Rdd<T> rdd(const Context& ctx, Time t, const char* name) {
    Parts parts;
    {
      std::lock_guard lock(mutex_);
      if (auto it = held_.find(t); it != held_.end()) parts = std::move(it->second);
    }
    if (parts.empty()) return ctx.empty_rdd<T>();
    return ctx.parallelize_partitions(std::move(parts), name);
  }

 private:
  std::mutex mutex_;
  std::map<Time, Parts> held_;  // guarded by mutex_
};

}  // namespace rill::detail
