// receiver_stream: an input stream fed by a Receiver<T> (Spark's ReceiverInputDStream).
// At each batch time the blocks the receiver stored since the previous batch become the
// partitions of the batch's RDD (a BlockRdd; no copy: the blocks move into it); a batch
// without data gets an empty RDD. With Config::write_ahead_log and a checkpoint directory,
// every block is logged as it is stored and each batch's share is marked in the log
// before the batch uses it (see WriteAheadLog); after a restart (get_or_create), a batch
// that had not completed gets exactly its logged blocks again, and the blocks that no
// batch had taken go to the first batch after those.
#pragma once
#include <map>
#include <rill/dstream/receiver_supervisor.hpp>
#include <rill/dstream/streaming_context.hpp>
#include <rill/io/write_ahead_log.hpp>
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

  void prepare_start(const typename DStreamNode<T>::InputStart& start) override {
    if constexpr (checkpointable_v<T>) {
      const auto& config = this->graph().context().config();
      if (!config.write_ahead_log || !start.checkpoint_dir) return;
      wal_ = std::make_unique<WriteAheadLog>(
          *start.checkpoint_dir / "receivedData" / std::to_string(this->id()),
          config.write_ahead_log_sync);
      if (start.restarted) {
        auto recovered = wal_->take_recovered();
        // Batches that completed before the crash are never given their blocks again.
        if (start.last_completed)
          recovered.batches.erase(recovered.batches.begin(),
                                  recovered.batches.upper_bound(*start.last_completed));
        replay_ = std::move(recovered.batches);
        unallocated_ = std::move(recovered.unallocated);
      } else {
        wal_->discard_recovered();  // a fresh run: an older run's log means nothing
      }
      supervisor_->set_write_ahead_log(wal_.get());
    }
  }

  void allocate_batch(Time t) override {
    std::vector<Block> blocks;
    if (!replay_.empty() && t <= replay_.rbegin()->first) {
      // Had its blocks before the crash: the same again (none if it had none), and the
      // receiver's new data waits for the batches after the replayed ones.
      if (auto it = replay_.find(t); it != replay_.end()) {
        blocks = decoded(it->second);
        replay_.erase(replay_.begin(), std::next(it));
      }
    } else {
      replay_.clear();
      blocks = decoded(std::exchange(unallocated_, {}));
      auto fresh = supervisor_->take_blocks(t);
      blocks.insert(blocks.end(), std::make_move_iterator(fresh.begin()),
                    std::make_move_iterator(fresh.end()));
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

  void clear_metadata(Time t) override {
    DStreamNode<T>::clear_metadata(t);
    // Batch t completed (and, with get_or_create, the metadata saying so is written):
    // its segments and older ones are never replayed.
    if (wal_) wal_->clean_through(t);
  }

 protected:
  // Spark's ReceiverInputDStream removes a batch's blocks at clearMetadata: without
  // this, the raw records of every batch since the last checkpoint of a downstream
  // window or state stream stay alive through its lineage and are freed all at once.
  void forget(Rdd<T>& rdd) override {
    if (auto* blocks = dynamic_cast<BlockRdd<T>*>(&rdd.node())) blocks->release();
  }

 private:
  // Logged blocks as a batch's partitions: consecutive records grouped into at most
  // kReplayBlocks blocks (a block keeps each logged record as one chunk).
  static std::vector<Block> decoded(const std::vector<std::string>& logged) {
    constexpr std::size_t kReplayBlocks = 8;
    std::vector<Block> blocks;
    const std::size_t per = (logged.size() + kReplayBlocks - 1) / kReplayBlocks;
    for (std::size_t i = 0; i < logged.size(); ++i) {
      if (i % per == 0) blocks.emplace_back();
      blocks.back().push_back(decode_block<T>(logged[i]));
    }
    return blocks;
  }

  // Set by prepare_start() before the receiver runs; then used by the job generator's
  // thread (replay_, unallocated_) and, thread safe, by the receiver's store(). Declared
  // before the supervisor, so the receiver has stopped before the log goes.
  std::unique_ptr<WriteAheadLog> wal_;
  std::unique_ptr<ReceiverSupervisor<T>> supervisor_;
  std::map<Time, std::vector<std::string>> replay_;  // batches not completed at the crash
  std::vector<std::string> unallocated_;             // logged, no batch had them
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
