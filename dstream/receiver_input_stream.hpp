// receiver_stream: an input stream fed by a Receiver<T> (Spark's ReceiverInputDStream).
// At each batch time the blocks the receiver stored since the previous batch become the
// partitions of the batch's RDD (a BlockRdd; no copy: the blocks move into it); a batch
// without data gets an empty RDD. With Config::write_ahead_log and a checkpoint directory,
// the blocks are logged (one fsync per block) before the batch uses them, and a batch that
// had not completed before a restart (get_or_create) is replayed from the log.
#pragma once
#include <map>
#include <rill/dstream/receiver_supervisor.hpp>
#include <rill/dstream/streaming_context.hpp>
#include <rill/io/write_ahead_log.hpp>
#include <rill/rdd/block_rdd.hpp>
#include <sstream>

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
    std::vector<Block> blocks;
    auto* wal = write_ahead_log();
    std::optional<Time> replay_after;
    {
      std::lock_guard lock(mutex_);
      replay_after = replay_after_;
    }
    std::optional<std::vector<std::string>> logged;
    if (wal && replay_after && t > *replay_after) logged = wal->read_batch(t);
    if (logged) {
      // Given to batch t before the crash: the same records again, and the receiver's
      // new data waits for the next batch.
      for (auto& b : *logged) blocks.emplace_back().push_back(decode(b));
    } else {
      blocks = supervisor_->take_blocks();
      if (wal) {
        std::vector<std::string> encoded;
        for (const auto& b : blocks) encoded.push_back(encode(b));
        wal->write_batch(t, encoded);
      }
    }
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

  void begin_recovery(Time last_completed) override {
    DStreamNode<T>::begin_recovery(last_completed);
    std::lock_guard lock(mutex_);
    replay_after_ = last_completed;
  }

  void clear_metadata(Time t) override {
    DStreamNode<T>::clear_metadata(t);
    // Batch t completed (and, with get_or_create, the metadata saying so is written):
    // its segment and older ones are never replayed.
    if (auto* wal = write_ahead_log()) wal->clean_through(t);
  }

 protected:
  // Spark's ReceiverInputDStream removes a batch's blocks at clearMetadata: without
  // this, the raw records of every batch since the last checkpoint of a downstream
  // window or state stream stay alive through its lineage and are freed all at once.
  void forget(Rdd<T>& rdd) override {
    if (auto* blocks = dynamic_cast<BlockRdd<T>*>(&rdd.node())) blocks->release();
  }

 private:
  // The log of this stream, once the context has a checkpoint directory; none for
  // element types without a rill::Serializer.
  WriteAheadLog* write_ahead_log() {
    if constexpr (checkpointable_v<T>) {
      // The graph's lock is taken before ours, never inside it: the graph holds its own
      // while it restores this stream (begin_recovery), which takes ours.
      std::optional<std::filesystem::path> dir;
      if (this->graph().context().config().write_ahead_log) dir = this->graph().checkpoint_dir();
      std::lock_guard lock(mutex_);
      if (!wal_ && dir) wal_.emplace(*dir / "receivedData" / std::to_string(this->id()));
      return wal_ ? &*wal_ : nullptr;
    } else {
      return nullptr;
    }
  }
  // A block's chunks are logged as one std::vector<T> (Serializer<std::vector<T>>'s format).
  static std::string encode(const Block& block) {
    std::ostringstream os(std::ios::binary);
    std::size_t n = 0;
    for (const auto& chunk : block) n += chunk.size();
    write_size(os, n);
    for (const auto& chunk : block)
      for (const auto& x : chunk) Serializer<T>::write(os, x);
    return std::move(os).str();
  }
  static std::vector<T> decode(const std::string& bytes) {
    std::istringstream is(bytes, std::ios::binary);
    return Serializer<std::vector<T>>::read(is);
  }

  std::unique_ptr<ReceiverSupervisor<T>> supervisor_;
  std::mutex mutex_;
  std::map<Time, std::vector<Block>> allocated_;  // guarded by mutex_
  std::optional<WriteAheadLog> wal_;              // guarded by mutex_
  std::optional<Time> replay_after_;              // guarded by mutex_: set by a restart
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
