// The time-tagged records of a with_watermark stream: (ts_fn(x), x) for every record x.
// The pass that tags a partition also takes its watermark statistics (largest time, late
// count) for the ledger, so whatever reads the records — the window's add pass, the late
// records — moves the watermark on the way; no action of its own, no cached copy.
#pragma once
#include <rill/dstream/watermark.hpp>
#include <rill/rdd/chunk_sink.hpp>

namespace rill::detail {

// Tags one partition's records and takes their statistics on the way. The running
// maximum and count live in locals for a chunk: as members, every write of the output
// could alias them and the loop would reload them (callgrind: 39 -> 18 instructions per
// record).
template <class T, class TsFn>
class TimeTagSink final : public ChunkSink<T> {
 public:
  using Tagged = std::pair<Time, T>;
  TimeTagSink(TsFn& f, Time in_effect, ChunkSink<Tagged>& out)
      : f_(f), in_effect_(in_effect), writer_(out) {}
  void push(std::span<T> chunk) override { run(chunk); }
  void push_const(std::span<const T> chunk) override { run(chunk); }
  WatermarkStats stats;

 private:
  template <class Span>
  void run(Span chunk) {
    Time max = stats.max;
    std::int64_t late = stats.late;
    const Time eff = in_effect_;
    for (auto& x : chunk) {
      const Time ts(std::invoke(f_, std::as_const(x)));
      max = std::max(max, ts);
      late += ts < eff ? 1 : 0;
      writer_.emplace_result([&]() -> Tagged { return Tagged(ts, take_or_copy(x)); });
    }
    writer_.flush();
    stats.max = max;
    stats.late = late;
  }
  TsFn& f_;
  const Time in_effect_;
  ChunkWriter<Tagged> writer_;
};

template <class T, class TsFn>
class TimeTagRdd final : public RddNode<std::pair<Time, T>> {
 public:
  using Tagged = std::pair<Time, T>;
  TimeTagRdd(const std::shared_ptr<RddNode<T>>& input, TsFn ts_fn, Time in_effect,
             std::shared_ptr<WatermarkLedger> ledger, Time t)
      : RddNode<Tagged>(input->context(), input->num_partitions(),
                        {Dependency{Dependency::Kind::one_to_one, input, nullptr}},
                        "MapPartitionsRdd", "with_watermark"),
        ts_fn_(std::move(ts_fn)),
        in_effect_(in_effect),
        ledger_(std::move(ledger)),
        time_(t) {}

  void compute(std::size_t p, TaskContext& tc, ChunkSink<Tagged>& out) override {
    TsFn f = ts_fn_;
    TimeTagSink<T, TsFn> sink(f, in_effect_, out);
    this->template parent<T>()->compute_partition(p, tc, sink);
    ledger_->report(time_, p, sink.stats);  // only a whole partition counts
  }

 private:
  TsFn ts_fn_;
  const Time in_effect_;
  std::shared_ptr<WatermarkLedger> ledger_;
  const Time time_;
};

template <class T, class TsFn>
class TimeTagNode final : public DStreamNode<std::pair<Time, T>> {
 public:
  using Tagged = std::pair<Time, T>;
  TimeTagNode(const std::shared_ptr<DStreamNode<T>>& input,
              std::shared_ptr<WatermarkTracker> watermark, TsFn ts_fn)
      // Only the watermark is the input's consumer in the graph: with two, the graph
      // would cache every batch of the input for a second reader that, normally, never
      // reads it (the watermark reads the input only for what no task tagged).
      : DStreamNode<Tagged>(input->graph_ptr(), {watermark}, "with_watermark"),
        input_(input),
        watermark_(std::move(watermark)),
        ts_fn_(std::move(ts_fn)) {}

  std::optional<Rdd<Tagged>> compute(Time t) override {
    auto in = input_->get_or_compute(t);
    if (!in) return std::nullopt;
    const Time eff = watermark_->effect_at(t).in_effect;
    return Rdd<Tagged>(std::make_shared<TimeTagRdd<T, TsFn>>(in->node_ptr(), ts_fn_, eff,
                                                             watermark_->ledger(), t));
  }

 private:
  std::shared_ptr<DStreamNode<T>> input_;
  std::shared_ptr<WatermarkTracker> watermark_;
  TsFn ts_fn_;
};

}  // namespace rill::detail
