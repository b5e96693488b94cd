// DStreamNode<T>: a stream whose RDDs hold T. get_or_compute(t) generates the RDD of batch
// t at most once and keeps it in the generated-RDD map, so every consumer of the stream
// shares it; clear_metadata drops (and unpersists) what no window or remember() needs.
#pragma once
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <rill/dstream/checkpointable.hpp>
#include <rill/dstream/dstream_base.hpp>
#include <rill/dstream/dstream_graph.hpp>
#include <rill/rdd/checkpoint_file.hpp>

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

  // The RDDs of the valid times in [from, to] (Spark's slice).
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
    drop_old_checkpoints();
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
  void maybe_checkpoint(const Rdd<T>& rdd, Time t) {
    if constexpr (checkpointable_v<T>) {
      auto every = checkpoint_interval();
      auto dir = graph().checkpoint_dir();
      if (!every || !dir || every->count() <= 0 || (t - zero_time()) % *every != Duration{0})
        return;
      auto path = *dir / ("stream-" + std::to_string(id())) / ("rdd-" + std::to_string(rdd.id()));
      rdd.node().enable_checkpoint(path, &write_checkpoint<T>, &read_checkpoint<T>);
      std::lock_guard lock(mutex_);
      checkpoints_.push_back({rdd, path});
    }
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
    for (auto& d : doomed) {
      std::error_code ec;
      std::filesystem::remove_all(d, ec);
    }
  }

  struct Checkpoint {
    Rdd<T> rdd;
    std::filesystem::path dir;
  };
  mutable std::mutex mutex_;
  std::map<Time, Rdd<T>> generated_;     // guarded by mutex_
  Time cleared_until_{-1};               // guarded by mutex_; times <= it were forgotten
  std::vector<Checkpoint> checkpoints_;  // guarded by mutex_, oldest first
};

}  // namespace rill::detail
