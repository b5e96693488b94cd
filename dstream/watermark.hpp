// The watermark of one with_watermark stream (Structured Streaming's EventTimeWatermark):
// after each batch, wm = max(wm, largest event time seen - delay). A small recoverable
// state stream with one element per batch, so get_or_create restores it like any state.
// It makes no pass over the records of its own: the tasks that tag them report each
// partition's largest time and late count (watermark_ledger.hpp), and the state RDD of a
// batch is lazy, read when its checkpoint is written or the batch completes.
#pragma once
#include <functional>
#include <memory>
#include <mutex>
#include <rill/dstream/dstream.hpp>
#include <rill/dstream/watermark_ledger.hpp>
#include <rill/rdd/actions.hpp>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace rill::detail {

// The watermark a batch runs with; known when the batch is generated.
struct WatermarkEffect {
  Time in_effect = Time::min();       // the watermark after the batch before
  Time prev_in_effect = Time::min();  // the one that batch ran with (append closes between)
};

// The untyped face of a watermark, shared by every EventStream derived from one
// with_watermark call.
class WatermarkTracker : public DStreamNode<WatermarkState> {
 public:
  WatermarkTracker(std::shared_ptr<DStreamGraph> graph,
                   std::vector<std::shared_ptr<DStreamBase>> parents, Duration delay)
      : DStreamNode<WatermarkState>(std::move(graph), std::move(parents), "with_watermark"),
        ledger_(std::make_shared<WatermarkLedger>(delay)) {
    this->set_persist(true);
    this->set_recoverable(true);
  }

  const std::shared_ptr<WatermarkLedger>& ledger() const { return ledger_; }

  // The watermark batch t runs with. On the job generator's thread, in batch order.
  WatermarkEffect effect_at(Time t) {
    auto rdd = this->get_or_compute(t);
    if (auto s = ledger_->known(t)) return {s->in_effect, s->prev_in_effect};
    // A restored batch (get_or_create): read back from its checkpoint.
    if (rdd)
      if (auto v = rdd->collect(); !v.empty())
        return {v.front().in_effect, v.front().prev_in_effect};
    return {};
  }

  // A consumer that reads every partition of a batch anyway (a window) finishes its own
  // work on the batch when the watermark needs it, before anything reads them a second
  // time. The tracker holds it weakly: it lives as long as its consumer.
  using Forcer = std::function<void(Time)>;
  void add_forcer(const std::shared_ptr<const Forcer>& f) {
    std::lock_guard lock(mutex_);
    forcers_.push_back(f);
  }

  // The final state after batch t; none if this run did not generate t.
  std::optional<WatermarkState> final_state(Time t) {
    if (!ledger_->missing(t).empty()) {
      std::vector<std::shared_ptr<const Forcer>> forcers;
      {
        std::lock_guard lock(mutex_);
        for (auto& w : forcers_)
          if (auto f = w.lock()) forcers.push_back(std::move(f));
      }
      for (auto& f : forcers) (*f)(t);
    }
    return ledger_->resolve(t);
  }

  std::optional<WatermarkReport> watermark_report(Time t) override {
    auto s = final_state(t);
    if (auto e = ledger_->take_error(t)) throw std::runtime_error(*e);
    if (!s)  // restored from a checkpoint (get_or_create); never computes t now
      if (auto e = this->latest_entry_before(t + Duration{1}); e && e->first == t)
        if (auto v = e->second.collect(); !v.empty()) s = v.front();
    if (!s) return WatermarkReport{};
    return WatermarkReport{s->late,
                           s->after == Time::min() ? std::nullopt : std::optional<Time>(s->after)};
  }

  std::optional<std::string> requires_checkpoint() const override {
    return std::string("with_watermark");
  }

  void clear_metadata(Time t) override {
    DStreamNode<WatermarkState>::clear_metadata(t);
    // The next batch read t's state when it was generated; t itself is still reported.
    ledger_->forget_before(t);
  }

 protected:
  // The final state after the batch before t: this run's, or restored.
  WatermarkState previous(Time t) {
    if (auto e = this->latest_entry_before(t)) {
      if (auto s = final_state(e->first)) return *s;
      if (auto v = e->second.collect(); !v.empty()) return v.front();
    }
    return {};
  }

 private:
  std::shared_ptr<WatermarkLedger> ledger_;
  std::mutex mutex_;
  std::vector<std::weak_ptr<const Forcer>> forcers_;  // guarded by mutex_
};

// The statistics of a batch's input partitions that no consumer read, from the input.
template <class T, class TsFn>
class InputWatermarkStats final : public WatermarkFallback {
 public:
  InputWatermarkStats(Rdd<T> input, TsFn ts_fn, Time in_effect)
      : input_(std::move(input)), ts_fn_(std::move(ts_fn)), in_effect_(in_effect) {}

  WatermarkStats compute(std::size_t q, TaskContext& tc) override {
    WatermarkStats s;
    TsFn f = ts_fn_;
    auto sink = callback_sink<T>(
        [&](auto chunk) { s.add_chunk(chunk, f, in_effect_, [](const auto&, Time) {}); });
    input_.node().compute_partition(q, tc, sink);
    return s;
  }

  void run(const std::vector<std::size_t>& qs, const Done& done) override {
    input_.run_job(
        qs, [&](std::size_t q, TaskContext& tc) { done(q, compute(q, tc)); }, "watermark");
  }

 private:
  Rdd<T> input_;
  TsFn ts_fn_;
  const Time in_effect_;
};

// The watermark state after one batch, resolved when it is first read.
class WatermarkStateRdd final : public RddNode<WatermarkState> {
 public:
  WatermarkStateRdd(std::shared_ptr<WatermarkLedger> ledger, Time t,
                    const std::shared_ptr<RddBase>& input)
      : RddNode<WatermarkState>(input->context(), 1,
                                {Dependency{Dependency::Kind::range, input, nullptr}},
                                "WatermarkRdd", "with_watermark"),
        ledger_(std::move(ledger)),
        time_(t) {}

  void compute(std::size_t, TaskContext& tc, ChunkSink<WatermarkState>& out) override {
    auto s = ledger_->resolve(time_, &tc);
    if (!s)
      throw std::logic_error("with_watermark: the watermark of batch " +
                             std::to_string(time_.count()) + " ms is no longer kept");
    out.push(std::span<WatermarkState>(&*s, 1));
  }

 private:
  std::shared_ptr<WatermarkLedger> ledger_;
  const Time time_;
};

template <class T, class TsFn>
class WatermarkNode final : public WatermarkTracker {
 public:
  WatermarkNode(const std::shared_ptr<DStreamNode<T>>& input, TsFn ts_fn, Duration delay)
      : WatermarkTracker(input->graph_ptr(), {input}, delay),
        input_(input),
        ts_fn_(std::move(ts_fn)) {}

  std::optional<Rdd<WatermarkState>> compute(Time t) override {
    auto in = input_->get_or_compute(t);
    if (!in) return std::nullopt;
    const WatermarkState prev = previous(t);
    ledger()->begin(t, prev, in->num_partitions(),
                    std::make_shared<InputWatermarkStats<T, TsFn>>(*in, ts_fn_, prev.after));
    return Rdd<WatermarkState>(std::make_shared<WatermarkStateRdd>(ledger(), t, in->node_ptr()));
  }

 private:
  std::shared_ptr<DStreamNode<T>> input_;
  TsFn ts_fn_;
};

}  // namespace rill::detail
