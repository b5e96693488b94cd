// The watermark of one with_watermark stream (Structured Streaming's EventTimeWatermark):
// after each batch, wm = max(wm, largest event time seen - delay). A small recoverable
// state stream with one element per batch, so get_or_create restores it like any state.
// Cost: one action per batch over the (cached) time-tagged records, run when the batch
// is generated, because the batch's consumers need the watermark in effect as a value.
#pragma once
#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>
#include <mutex>
#include <rill/dstream/dstream.hpp>
#include <rill/rdd/actions.hpp>
#include <string>
#include <utility>

namespace rill::detail {

// The watermark after a batch, and what its consumers need from that batch. Trivially
// copyable, so rill::Serializer checkpoints it as is. Time::min() means "none yet":
// nothing is below it (nothing late) and no window ends at or before it (none closes).
struct WatermarkState {
  Time max_seen = Time::min();        // largest event time of every batch so far
  Time after = Time::min();           // the watermark after this batch
  Time in_effect = Time::min();       // the watermark this batch ran with (after b - 1)
  Time prev_in_effect = Time::min();  // the one batch b - 1 ran with (append closes between)
  std::int64_t late = 0;              // records of this batch below in_effect
};

// The untyped face of a watermark, shared by every EventStream derived from one
// with_watermark call.
class WatermarkTracker : public DStreamNode<WatermarkState> {
 public:
  using DStreamNode<WatermarkState>::DStreamNode;

  // The watermark state of batch t; computes it (and so the batch's tagged records) if
  // needed. On the job generator's thread, in batch order.
  WatermarkState state_at(Time t) {
    auto rdd = this->get_or_compute(t);
    {
      std::lock_guard lock(mutex_);
      if (auto it = states_.find(t); it != states_.end()) return it->second;
    }
    // A restored batch (get_or_create): read back from its checkpoint.
    if (rdd)
      if (auto v = rdd->collect(); !v.empty()) return v.front();
    return {};
  }

  // For BatchInfo: the watermark state of batch t if this stream computed one.
  std::optional<WatermarkState> reported(Time t) const {
    std::lock_guard lock(mutex_);
    if (auto it = states_.find(t); it != states_.end()) return it->second;
    return std::nullopt;
  }

  std::optional<WatermarkReport> watermark_report(Time t) const override {
    auto s = reported(t);
    if (!s) return WatermarkReport{};
    return WatermarkReport{s->late,
                           s->after == Time::min() ? std::nullopt : std::optional<Time>(s->after)};
  }

  std::optional<std::string> requires_checkpoint() const override {
    return std::string("with_watermark");
  }

  void clear_metadata(Time t) override {
    DStreamNode<WatermarkState>::clear_metadata(t);
    std::lock_guard lock(mutex_);
    // Consumers read a batch's state while it is generated; t has completed.
    states_.erase(states_.begin(), states_.lower_bound(t));
  }

 protected:
  // The state after the batch before t: kept from the last compute, or restored.
  WatermarkState previous(Time t) {
    {
      std::lock_guard lock(mutex_);
      if (auto it = states_.lower_bound(t); it != states_.begin()) return std::prev(it)->second;
    }
    if (auto r = this->latest_before(t))
      if (auto v = r->collect(); !v.empty()) return v.front();
    return {};
  }
  void record(Time t, const WatermarkState& s) {
    std::lock_guard lock(mutex_);
    states_.insert_or_assign(t, s);
  }

 private:
  mutable std::mutex mutex_;
  std::map<Time, WatermarkState> states_;  // guarded by mutex_: batches being generated
};

// max_seen - delay without overflowing below Time::min().
inline Time watermark_of(Time max_seen, Duration delay) {
  if (max_seen.count() < std::numeric_limits<Time::rep>::min() + delay.count()) return Time::min();
  return max_seen - delay;
}

template <class T>
class WatermarkNode final : public WatermarkTracker {
 public:
  using Tagged = std::pair<Time, T>;
  WatermarkNode(const std::shared_ptr<DStreamNode<Tagged>>& parent, Duration delay)
      : WatermarkTracker(parent->graph_ptr(), {parent}, "with_watermark"),
        parent_(parent),
        delay_(delay) {
    this->set_persist(true);
    this->set_recoverable(true);
  }

  std::optional<Rdd<WatermarkState>> compute(Time t) override {
    auto in = parent_->get_or_compute(t);
    if (!in) return std::nullopt;
    const WatermarkState prev = previous(t);
    WatermarkState s;
    s.in_effect = prev.after;
    s.prev_in_effect = prev.in_effect;
    // One pass: the batch's largest event time, its record count and its late records.
    struct Acc {
      Time max = Time::min();
      std::int64_t n = 0;
      std::int64_t late = 0;
    };
    const Time eff = s.in_effect;
    auto acc = in->aggregate(
        Acc{},
        [eff](Acc a, const Tagged& r) {
          a.max = std::max(a.max, r.first);
          ++a.n;
          a.late += r.first < eff ? 1 : 0;
          return a;
        },
        [](Acc a, const Acc& b) {
          a.max = std::max(a.max, b.max);
          a.n += b.n;
          a.late += b.late;
          return a;
        });
    s.late = acc.late;
    s.max_seen = acc.n > 0 ? std::max(prev.max_seen, acc.max) : prev.max_seen;
    s.after = prev.after;
    if (s.max_seen != Time::min()) s.after = std::max(prev.after, watermark_of(s.max_seen, delay_));
    record(t, s);
    return this->graph().context().parallelize(std::vector<WatermarkState>{s}, 1);
  }

 private:
  std::shared_ptr<DStreamNode<Tagged>> parent_;
  const Duration delay_;
};

}  // namespace rill::detail
