// queue_stream: an input stream fed from a queue of RDDs (Spark's QueueInputDStream), for
// tests and demos. Batch i takes the i-th RDD (one_at_a_time) or all RDDs queued so far;
// an exhausted queue yields default_rdd, or an empty RDD. Reads nothing itself.
#pragma once
#include <deque>
#include <mutex>
#include <rill/dstream/streaming_context.hpp>
#include <rill/rdd/union.hpp>

namespace rill::detail {

template <class T>
class QueueInputNode final : public DStreamNode<T> {
 public:
  QueueInputNode(std::shared_ptr<DStreamGraph> g, std::deque<Rdd<T>> queue, bool one_at_a_time,
                 Rdd<T> fallback)
      : DStreamNode<T>(std::move(g), {}, "queue_stream"),
        queue_(std::move(queue)),
        one_at_a_time_(one_at_a_time),
        default_(std::move(fallback)) {}

  void allocate_batch(Time t) override {
    if (this->initialized()) this->get_or_compute(t);
  }
  std::optional<Rdd<T>> compute(Time) override {
    std::vector<Rdd<T>> taken;
    {
      std::lock_guard lock(mutex_);
      if (one_at_a_time_) {
        if (!queue_.empty()) {
          taken.push_back(std::move(queue_.front()));
          queue_.pop_front();
        }
      } else {
        taken.assign(std::make_move_iterator(queue_.begin()),
                     std::make_move_iterator(queue_.end()));
        queue_.clear();
      }
    }
    if (taken.size() == 1) return taken.front();
    if (!taken.empty()) return union_all(taken);
    if (default_) return default_;
    return this->graph().context().template empty_rdd<T>();
  }

 private:
  std::mutex mutex_;
  std::deque<Rdd<T>> queue_;  // guarded by mutex_
  const bool one_at_a_time_;
  const Rdd<T> default_;
};

}  // namespace rill::detail

namespace rill {

template <class T>
DStream<T> StreamingContext::queue_stream(std::deque<Rdd<T>> queue, bool one_at_a_time) {
  return queue_stream(std::move(queue), one_at_a_time, Rdd<T>());
}

template <class T>
DStream<T> StreamingContext::queue_stream(std::deque<Rdd<T>> queue, bool one_at_a_time,
                                          Rdd<T> default_rdd) {
  graph_->check_not_started("queue_stream");
  auto node = std::make_shared<detail::QueueInputNode<T>>(graph_, std::move(queue), one_at_a_time,
                                                          std::move(default_rdd));
  graph_->add_input(node);
  return DStream<T>(node);
}

}  // namespace rill
