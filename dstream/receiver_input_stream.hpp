// receiver_stream: an input stream fed by a Receiver<T> (Spark's ReceiverInputDStream).
// At each batch time the blocks the receiver stored since the previous batch become the
// partitions of the batch's RDD (a BlockRdd; no copy: the blocks move into it); a batch
// without data gets an empty RDD.
#pragma once
#include <map>
#include <rill/dstream/receiver_supervisor.hpp>
#include <rill/dstream/streaming_context.hpp>
#include <rill/rdd/block_rdd.hpp>

namespace rill::detail {

template <class T>
class ReceiverInputNode final : public DStreamNode<T> {
 public:
  using Block = typename BlockGenerator<T>::Block;

  ReceiverInputNode(std::shared_ptr<DStreamGraph> g, std::unique_ptr<Receiver<T>> receiver)
      : DStreamNode<T>(std::move(g), {}, "receiver_stream"),
        supervisor_(std::make_unique<ReceiverSupervisor<T>>(std::move(receiver))) {
    supervisor_->set_stream_id(this->id());
  }
  ReceiverSupervisor<T>& supervisor() { return *supervisor_; }

  void allocate_batch(Time t) override {
    auto blocks = supervisor_->take_blocks();
    std::int64_t n = 0;
    for (const auto& b : blocks)
      for (const auto& chunk : b) n += static_cast<std::int64_t>(chunk.size());
    this->graph().report_input(t, n);
    {
      std::lock_guard lock(mutex_);
      allocated_[t] = std::move(blocks);
      // compute(t) runs right below; anything older was never asked for.
      const Time keep_from = t - this->remember_duration() - this->slide_duration();
      allocated_.erase(allocated_.begin(), allocated_.lower_bound(keep_from));
    }
    if (this->initialized()) this->get_or_compute(t);
  }

  std::optional<Rdd<T>> compute(Time t) override {
    std::vector<Block> blocks;
    {
      std::lock_guard lock(mutex_);
      if (auto it = allocated_.find(t); it != allocated_.end()) {
        blocks = std::move(it->second);
        allocated_.erase(it);
      }
    }
    const auto& ctx = this->graph().context();
    if (blocks.empty()) return ctx.template empty_rdd<T>();
    return Rdd<T>(std::make_shared<BlockRdd<T>>(ctx.state(), std::move(blocks), "receiver_stream"));
  }

 protected:
  // Spark's ReceiverInputDStream removes a batch's blocks at clearMetadata: without
  // this, the raw records of every batch since the last checkpoint of a downstream
  // window or state stream stay alive through its lineage and are freed all at once.
  void forget(Rdd<T>& rdd) override {
    if (auto* blocks = dynamic_cast<BlockRdd<T>*>(&rdd.node())) blocks->release();
  }

 private:
  std::unique_ptr<ReceiverSupervisor<T>> supervisor_;
  std::mutex mutex_;
  std::map<Time, std::vector<Block>> allocated_;  // guarded by mutex_
};

}  // namespace rill::detail

namespace rill {

namespace detail {
template <class T>
T receiver_element(const Receiver<T>*);  // declaration only: reads T off the base class
}

template <class R>
auto StreamingContext::receiver_stream(std::unique_ptr<R> receiver) {
  using T = decltype(detail::receiver_element(std::declval<R*>()));
  return receiver_stream<T>(std::unique_ptr<Receiver<T>>(std::move(receiver)));
}

template <class T>
DStream<T> StreamingContext::receiver_stream(std::unique_ptr<Receiver<T>> receiver) {
  graph_->check_not_started("receiver_stream");
  auto node = std::make_shared<detail::ReceiverInputNode<T>>(graph_, std::move(receiver));
  graph_->add_input(node, &node->supervisor());
  return DStream<T>(node);
}

}  // namespace rill
