// RddNode<T>: an RDD node whose partitions are sequences of T. compute() is the operator's
// own work; compute_partition() wraps it with the cache and the checkpoint, which is where
// lineage recompute happens: a partition missing from both is computed from the parents.
#pragma once
#include <filesystem>
#include <functional>
#include <memory>
#include <rill/rdd/chunk_sink.hpp>
#include <rill/rdd/rdd_base.hpp>
#include <span>
#include <vector>

namespace rill::detail {

template <class T>
class RddNode : public RddBase {
 public:
  using RddBase::RddBase;
  using Writer = std::function<void(const std::vector<T>&, const std::filesystem::path&)>;
  using Reader = std::function<std::vector<T>(const std::filesystem::path&)>;

  virtual void compute(std::size_t partition, TaskContext& tc, ChunkSink<T>& out) = 0;

  void compute_partition(std::size_t p, TaskContext& tc, ChunkSink<T>& out) {
    const bool keep = is_persisted();
    // The cache comes first: a checkpoint file holds the same data, read from disk.
    std::shared_ptr<const std::vector<T>> data;
    if (keep)
      data = std::static_pointer_cast<const std::vector<T>>(context()->blocks().get(id(), p));
    if (!data && is_checkpointed()) {
      auto stored = read_(checkpoint_file(p));
      tc.records_in += static_cast<std::int64_t>(stored.size());
      push_owned(stored, out);
      return;
    }
    const bool ckpt = checkpoint_pending() && claim_checkpoint_write(p);
    if (!data && !keep && !ckpt) {
      compute(p, tc, out);
      return;
    }
    if (!data) {
      auto fresh = std::make_shared<std::vector<T>>();
      CollectSink<T> sink(*fresh);
      try {
        compute(p, tc, sink);
      } catch (...) {
        if (ckpt) checkpoint_write_failed(p);
        throw;
      }
      data = fresh;
      if (keep) context()->blocks().put(id(), p, data);
    }
    if (ckpt) write_checkpoint_file(p, data);
    push_shared<T>(*data, out);
  }

  void compute_discarding(std::size_t p, TaskContext& tc) override {
    auto sink = callback_sink<T>([](auto) {});
    compute_partition(p, tc, sink);
  }

  // async: see CheckpointWriter (streams' periodic checkpoints).
  void enable_checkpoint(std::filesystem::path dir, Writer w, Reader r, bool async = false) {
    write_ = std::move(w);
    read_ = std::move(r);
    mark_checkpoint(std::move(dir), async);
  }

 protected:
  // The typed parent behind narrow dependency i.
  template <class P>
  std::shared_ptr<RddNode<P>> parent(std::size_t i = 0) const {
    return std::static_pointer_cast<RddNode<P>>(parent_node(i));
  }

 private:
  void write_checkpoint_file(std::size_t p, const std::shared_ptr<const std::vector<T>>& data) {
    if (!checkpoint_async()) {
      try {
        write_(*data, checkpoint_file(p));
      } catch (...) {
        checkpoint_write_failed(p);
        throw;
      }
      checkpoint_written(p);
      return;
    }
    // The writer holds the node weakly: an RDD nobody needs any more is not kept alive
    // for its checkpoint, and its file is then written for nothing.
    std::weak_ptr<RddBase> weak = weak_from_this();
    context()->checkpoint_writer().submit(
        [weak, p, data, write = write_, file = checkpoint_file(p)] {
          try {
            write(*data, file);
          } catch (...) {
            if (auto self = weak.lock()) static_cast<RddNode&>(*self).checkpoint_write_failed(p);
            throw;
          }
          if (auto self = weak.lock()) static_cast<RddNode&>(*self).checkpoint_written(p);
        });
  }

  Writer write_;  // set before the checkpoint is marked, then only read
  Reader read_;
};

}  // namespace rill::detail
