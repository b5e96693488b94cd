// What one with_watermark stream knows about the batches it generates and runs: the
// watermark each batch runs with (known when it is generated) and, per input partition,
// the largest event time and the late count, reported by whichever task tags that
// partition's records. So the watermark costs no pass over the records of its own: it is
// taken in the pass that reads them anyway (the window's, the late records'). A batch's
// state is final once every partition has reported; what no task read (print() reads only
// the first partitions, a pipeline may only output watermarks()) is computed on demand.
#pragma once
#include <algorithm>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <rill/dstream/time.hpp>
#include <rill/scheduler/task_context.hpp>
#include <string>
#include <utility>
#include <vector>

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

// One input partition's share of a batch's watermark.
struct WatermarkStats {
  Time max = Time::min();
  std::int64_t late = 0;

  // Times every record x of a chunk with f, adds it here and calls each(x, time). The
  // running maximum and count live in locals for the chunk: as members, every write each()
  // makes could alias them and the loop would reload them (callgrind: 39 -> 18
  // instructions per record in the tag loop).
  template <class Span, class TsFn, class Each>
  void add_chunk(Span chunk, TsFn& f, Time in_effect, Each&& each) {
    Time m = max;
    std::int64_t l = late;
    for (auto& x : chunk) {
      const Time ts(std::invoke(f, std::as_const(x)));
      m = std::max(m, ts);
      l += ts < in_effect ? 1 : 0;
      each(x, ts);
    }
    max = m;
    late = l;
  }
};

// max_seen - delay without overflowing below Time::min().
inline Time watermark_of(Time max_seen, Duration delay) {
  if (max_seen.count() < std::numeric_limits<Time::rep>::min() + delay.count()) return Time::min();
  return max_seen - delay;
}

// Computes the statistics of partitions no task has reported.
class WatermarkFallback {
 public:
  using Done = std::function<void(std::size_t, const WatermarkStats&)>;
  virtual ~WatermarkFallback() = default;
  // Inside a task (the checkpoint of the watermark state): one partition, in this task.
  virtual WatermarkStats compute(std::size_t q, TaskContext& tc) = 0;
  // Anywhere else: the partitions as one job.
  virtual void run(const std::vector<std::size_t>& qs, const Done& done) = 0;
};

class WatermarkLedger {
 public:
  explicit WatermarkLedger(Duration delay) : delay_(delay) {}

  // Batch t, generated: `prev` is the final state after the batch before it.
  void begin(Time t, const WatermarkState& prev, std::size_t parts,
             std::shared_ptr<WatermarkFallback> fallback) {
    Batch b;
    b.state.max_seen = prev.max_seen;
    b.state.in_effect = prev.after;
    b.state.prev_in_effect = prev.in_effect;
    b.parts.resize(parts);
    b.missing = parts;
    b.fallback = std::move(fallback);
    if (parts == 0) finish(b);
    std::lock_guard lock(mutex_);
    batches_.insert_or_assign(t, std::move(b));
  }

  // The state of batch t as far as it is known (in_effect from generation on); none if
  // the ledger does not hold t (restored from a checkpoint, or forgotten).
  std::optional<WatermarkState> known(Time t) const {
    std::lock_guard lock(mutex_);
    auto it = batches_.find(t);
    if (it == batches_.end()) return std::nullopt;
    return it->second.state;
  }

  // The same input gives the same statistics, so a second report of a partition (another
  // consumer, a retried task, the fallback) changes nothing.
  void report(Time t, std::size_t q, const WatermarkStats& s) {
    std::lock_guard lock(mutex_);
    auto it = batches_.find(t);
    if (it == batches_.end() || q >= it->second.parts.size() || it->second.parts[q]) return;
    it->second.parts[q] = s;
    if (--it->second.missing == 0) finish(it->second);
  }

  // The partitions of t not reported yet (empty once t is final or if the ledger lacks it).
  std::vector<std::size_t> missing(Time t) const {
    std::vector<std::size_t> out;
    std::lock_guard lock(mutex_);
    auto it = batches_.find(t);
    if (it == batches_.end() || it->second.done) return out;
    for (std::size_t q = 0; q < it->second.parts.size(); ++q)
      if (!it->second.parts[q]) out.push_back(q);
    return out;
  }

  // The final state after t, computing what no task reported: in `tc` when called inside
  // a task, else as a job. If that fails (the timestamp function threw), the batch's
  // records do not move the watermark and the error is kept for take_error().
  std::optional<WatermarkState> resolve(Time t, TaskContext* tc = nullptr) {
    std::shared_ptr<WatermarkFallback> fallback;
    {
      std::lock_guard lock(mutex_);
      auto it = batches_.find(t);
      if (it == batches_.end()) return std::nullopt;
      if (it->second.done) return it->second.state;
      fallback = it->second.fallback;
    }
    try {
      const auto qs = missing(t);
      if (tc)
        for (auto q : qs) report(t, q, fallback->compute(q, *tc));
      else if (!qs.empty())
        fallback->run(qs, [&](std::size_t q, const WatermarkStats& s) { report(t, q, s); });
    } catch (const std::exception& e) {
      std::lock_guard lock(mutex_);
      auto& b = batches_.at(t);
      if (!b.done) {
        b.error = e.what();
        for (auto& p : b.parts) p = p.value_or(WatermarkStats{});
        b.missing = 0;
        finish(b);
      }
    }
    std::lock_guard lock(mutex_);
    return batches_.at(t).state;
  }

  // The error that kept batch t's watermark from moving, once (for the batch's report).
  std::optional<std::string> take_error(Time t) {
    std::lock_guard lock(mutex_);
    auto it = batches_.find(t);
    if (it == batches_.end() || !it->second.error || it->second.error_taken) return std::nullopt;
    it->second.error_taken = true;
    return it->second.error;
  }

  // Batches before t have completed and their successors have read them.
  void forget_before(Time t) {
    std::lock_guard lock(mutex_);
    batches_.erase(batches_.begin(), batches_.lower_bound(t));
  }

 private:
  struct Batch {
    WatermarkState state;
    std::vector<std::optional<WatermarkStats>> parts;
    std::size_t missing = 0;
    bool done = false;
    std::optional<std::string> error;
    bool error_taken = false;
    std::shared_ptr<WatermarkFallback> fallback;  // released once done: it holds the input
  };

  // Under mutex_ (or before b is shared).
  void finish(Batch& b) {
    Time max = Time::min();
    std::int64_t late = 0;
    for (const auto& p : b.parts) {
      max = std::max(max, p->max);
      late += p->late;
    }
    auto& s = b.state;
    s.late = late;
    s.max_seen = std::max(s.max_seen, max);
    s.after = s.in_effect;
    if (s.max_seen != Time::min())
      s.after = std::max(s.in_effect, watermark_of(s.max_seen, delay_));
    b.done = true;
    b.fallback.reset();
  }

  const Duration delay_;
  mutable std::mutex mutex_;
  std::map<Time, Batch> batches_;  // guarded by mutex_
};

}  // namespace rill::detail
