// DStreamNode<T>: a stream whose RDDs hold T. get_or_compute(t) generates the RDD of batch
// t at most once and keeps it in the generated-RDD map, so every consumer of the stream
// shares it; clear_metadata drops (and unpersists) what no window or remember() needs.
#pragma once
#include <algorithm>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <rill/dstream/checkpointable.hpp>
#include <rill/dstream/dstream_base.hpp>
#include <rill/dstream/dstream_graph.hpp>
#include <rill/rdd/actions.hpp>  // count(), which completes a recovery checkpoint
#include <rill/rdd/checkpoint_file.hpp>
#include <rill/rdd/checkpoint_rdd.hpp>
#include <utility>

namespace rill::detail {

template <class T>
class DStreamNode : public DStreamBase {
 public:
  using DStreamBase::DStreamBase;

  // The operator's own work: the RDD of batch t from the parents' RDDs. Called at most
  // once per valid t, on the job generator's thread (or a thread calling slice()).
  virtual std::optional<Rdd<T>> compute(Time t) = 0;

  std::optional<Rdd<T>> get_or_compute(Time t) {
    {
      std::lock_guard lock(mutex_);
      if (auto it = generated_.find(t); it != generated_.end()) return it->second;
      if (t <= cleared_until_) return std::nullopt;  // forgotten: never computed twice
    }
    if (!is_time_valid(t)) return std::nullopt;
    // compute() may ask this very stream for an earlier time (state streams), so the
    // lock is not held across it.
    auto rdd = compute(t);
    if (!rdd) return std::nullopt;
    if (persisted()) rdd->cache();
    maybe_checkpoint(*rdd, t);
    std::lock_guard lock(mutex_);
    return generated_.emplace(t, *rdd).first->second;
  }

  // The RDDs of the valid times in [from, to] (Spark's slice). Unchecked: operators call
  // it on initialized parents; DStream::slice checks for users.
  std::vector<Rdd<T>> slice(Time from, Time to) {
    std::vector<Rdd<T>> out;
    const auto step = slide_duration();
    if (step.count() == 0) {
      std::lock_guard lock(mutex_);
      for (auto it = generated_.lower_bound(from); it != generated_.end() && it->first <= to; ++it)
        out.push_back(it->second);
      return out;
    }
    // First valid time >= from.
    Time t = zero_time() + step;
    if (from > t) t += ((from - t + step - Duration{1}) / step) * step;
    for (; t <= to; t += step)
      if (auto r = get_or_compute(t)) out.push_back(std::move(*r));
    return out;
  }

  void clear_metadata(Time t) override {
    std::vector<Rdd<T>> dropped;  // released outside the lock
    {
      std::lock_guard lock(mutex_);
      const Time limit = t - remember_duration();
      auto end = generated_.upper_bound(limit);
      for (auto it = generated_.begin(); it != end; ++it) dropped.push_back(std::move(it->second));
      generated_.erase(generated_.begin(), end);
      if (limit > cleared_until_) cleared_until_ = limit;
    }
    for (auto& r : dropped) {
      if (r.node().is_persisted()) r.unpersist();
      forget(r);
    }
    if (recovery_mode()) {
      drop_checkpoints_until(t - remember_duration());
    } else {
      complete_written_checkpoints();
      drop_old_checkpoints();
    }
  }

  void complete_checkpoints() override {
    if (!recovery_mode()) complete_written_checkpoints();
  }

  std::function<void()> recovery_checkpoint_job(Time t) override {
    if constexpr (checkpointable_v<T>) {
      if (!is_time_valid(t)) return {};
      auto rdd = get_or_compute(t);
      if (!rdd) return {};
      // Outputs usually computed it already (it is then only read back from the cache).
      return [r = std::move(*rdd)] {
        if (r.node().checkpoint_pending()) r.count();
      };
    } else {
      return {};
    }
  }

  std::vector<CheckpointedRdd> checkpointed_rdds(Time upto) const override {
    std::vector<CheckpointedRdd> out;
    std::lock_guard lock(mutex_);
    for (const auto& c : checkpoints_)
      if (c.time <= upto && c.rdd.is_checkpointed())
        out.push_back({c.time, c.dir, c.rdd.num_partitions()});
    return out;
  }

  std::vector<std::filesystem::path> take_dropped_checkpoints() override {
    std::lock_guard lock(mutex_);
    return std::exchange(dropped_checkpoints_, {});
  }

  void begin_recovery(Time last_completed) override {
    std::lock_guard lock(mutex_);
    if (last_completed > cleared_until_) cleared_until_ = last_completed;
  }

  void restore(Time t, const std::filesystem::path& dir, std::size_t partitions) override {
    if constexpr (checkpointable_v<T>) {
      Rdd<T> rdd(std::make_shared<CheckpointRdd<T>>(graph().context().state(), dir, partitions));
      // Every part file is read and checked here, at get_or_create, so that a corrupt or
      // missing one is reported before anything runs rather than by a later batch. What
      // is read stays cached: the next batch starts from it without reading it again
      // (every recoverable stream is persisted anyway; clear_metadata unpersists it).
      rdd.cache();
      auto& node = rdd.node();
      for (std::size_t p = 0; p < partitions; ++p) {
        const auto file = node.checkpoint_file(p);
        try {
          node.context()->blocks().put(
              node.id(), p, std::make_shared<const std::vector<T>>(read_checkpoint<T>(file)));
        } catch (const std::exception& e) {
          throw std::runtime_error(name() + ": " + e.what() + " (its checkpoint of batch " +
                                   std::to_string(t.count()) + " ms, listed in the metadata)");
        }
      }
      std::lock_guard lock(mutex_);
      generated_.insert_or_assign(t, rdd);
      checkpoints_.push_back({rdd, dir, t});
    } else {
      DStreamBase::restore(t, dir, partitions);
    }
  }

 protected:
  // The newest generated RDD before t (state streams continue from it, also from one
  // restored after a restart).
  std::optional<Rdd<T>> latest_before(Time t) const {
    auto e = latest_entry_before(t);
    if (!e) return std::nullopt;
    return e->second;
  }
  // The same with its batch time.
  std::optional<std::pair<Time, Rdd<T>>> latest_entry_before(Time t) const {
    std::lock_guard lock(mutex_);
    auto it = generated_.lower_bound(t);
    if (it == generated_.begin()) return std::nullopt;
    return *std::prev(it);
  }

  std::size_t retained_rdds() const override {
    std::lock_guard lock(mutex_);
    return generated_.size();
  }

 protected:
  // Called for each RDD this stream no longer remembers, after it was unpersisted.
  // Later RDDs may still hold it in their lineage; a stream whose data should not live
  // that long (receiver blocks) releases it here.
  virtual void forget(Rdd<T>&) {}

 private:
  bool recovery_mode() const { return recoverable() && graph().recovery_mode(); }

  void maybe_checkpoint(const Rdd<T>& rdd, Time t) {
    if constexpr (checkpointable_v<T>) {
      // Recovery continues from the last completed batch, so it needs every slide.
      auto every =
          recovery_mode() ? std::optional<Duration>(slide_duration()) : checkpoint_interval();
      if (!every || every->count() <= 0 || (t - zero_time()) % *every != Duration{0}) return;
      auto dir = checkpoint_path();
      if (!dir) return;
      // A writer still busy with earlier batches' files (a loaded machine): another
      // lineage-only checkpoint would only queue behind them, its directory on disk, so it
      // is skipped; the queued ones cut the lineage when they complete.
      auto& writer = graph().context().state()->checkpoint_writer();
      if (!recovery_mode() && writer.backlog() > rdd.num_partitions()) return;
      // Named by stream id and batch time, which a restarted context reproduces.
      auto path = *dir / ("batch-" + std::to_string(t.count()));
      std::error_code ec;
      std::filesystem::remove_all(path, ec);  // half written by a run that crashed
      // Outside recovery mode a checkpoint only keeps the lineage short: written in the
      // background (CheckpointWriter), it completes at a later batch's cleanup.
      // Only recovery checkpoints must survive a power loss (the next run reads them).
      if (recovery_mode())
        rdd.node().enable_checkpoint(path, &write_checkpoint<T, Durability::durable>,
                                     &read_checkpoint<T>);
      else
        rdd.node().enable_checkpoint(path, &write_checkpoint<T, Durability::within_run>,
                                     &read_checkpoint<T>, true);
      std::lock_guard lock(mutex_);
      checkpoints_.push_back({rdd, path, t});
    }
  }

  // Recovery mode: checkpoints of batches no longer remembered are no longer needed.
  void drop_checkpoints_until(Time limit) {
    std::lock_guard lock(mutex_);
    auto keep = std::stable_partition(checkpoints_.begin(), checkpoints_.end(),
                                      [&](const Checkpoint& c) { return c.time > limit; });
    for (auto it = keep; it != checkpoints_.end(); ++it) dropped_checkpoints_.push_back(it->dir);
    checkpoints_.erase(keep, checkpoints_.end());
  }

  // Background checkpoints whose files are all written cut their lineage here, between
  // batches, rather than on the writer thread while a job may be walking it.
  void complete_written_checkpoints() {
    std::vector<Rdd<T>> pending;
    {
      std::lock_guard lock(mutex_);
      for (const auto& c : checkpoints_)
        if (c.rdd.node().checkpoint_pending()) pending.push_back(c.rdd);
    }
    for (auto& r : pending) r.node().complete_checkpoint();
  }

  // Keeps the newest complete checkpoint (and any newer, pending ones); later RDDs may
  // still read it through their lineage. Older checkpoint files are deleted.
  void drop_old_checkpoints() {
    std::vector<std::filesystem::path> doomed;
    {
      std::lock_guard lock(mutex_);
      std::size_t newest_done = checkpoints_.size();
      for (std::size_t i = checkpoints_.size(); i-- > 0;)
        if (checkpoints_[i].rdd.is_checkpointed()) {
          newest_done = i;
          break;
        }
      if (newest_done == checkpoints_.size()) return;
      for (std::size_t i = 0; i < newest_done; ++i) doomed.push_back(checkpoints_[i].dir);
      checkpoints_.erase(checkpoints_.begin(),
                         checkpoints_.begin() + static_cast<std::ptrdiff_t>(newest_done));
    }
    if (doomed.empty()) return;
    // Deleted in the background too: file system latency stays out of the batch.
    graph().context().state()->checkpoint_writer().submit([doomed = std::move(doomed)] {
      for (auto& d : doomed) {
        std::error_code ec;
        std::filesystem::remove_all(d, ec);
      }
    });
  }

  struct Checkpoint {
    Rdd<T> rdd;
    std::filesystem::path dir;
    Time time;
  };
  mutable std::mutex mutex_;
  std::map<Time, Rdd<T>> generated_;     // guarded by mutex_
  Time cleared_until_{-1};               // guarded by mutex_; times <= it were forgotten
  std::vector<Checkpoint> checkpoints_;  // guarded by mutex_, oldest first
  std::vector<std::filesystem::path> dropped_checkpoints_;  // guarded by mutex_
};

}  // namespace rill::detail
