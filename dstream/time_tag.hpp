// The time-tagged records of a with_watermark stream: (ts_fn(x), x) for every record x.
// The pass that tags a partition also takes its watermark statistics (largest time, late
// count) for the ledger, so whatever reads the records — the window's add pass, the late
// records — moves the watermark on the way; no action of its own, no cached copy.
#pragma once
#include <functional>
#include <rill/dstream/watermark.hpp>
#include <rill/rdd/chunk_sink.hpp>
#include <vector>

namespace rill::detail {

// (time, value) chunks straight from the tagging pass, for the narrow operator after
// with_watermark (the user's map): it would otherwise read the tagged pairs back from a
// chunk the tag pass wrote. One virtual call per chunk.
template <class T>
class TimedChunkSink {
 public:
  virtual ~TimedChunkSink() = default;
  virtual void push(std::span<const Time> times, std::span<const T> values) = 0;
};
template <class T>
class TimedSource {
 public:
  virtual ~TimedSource() = default;
  // False when partition p must be read as tagged pairs (it is cached or checkpointed).
  virtual bool compute_timed(std::size_t p, TaskContext& tc, TimedChunkSink<T>& out) = 0;
};

// Tags one partition's records and takes their statistics on the way.
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
    stats.add_chunk(chunk, f_, in_effect_, [&](auto& x, Time ts) {
      writer_.emplace_result([&]() -> Tagged { return Tagged(ts, take_or_copy(x)); });
    });
    writer_.flush();
  }
  TsFn& f_;
  const Time in_effect_;
  ChunkWriter<Tagged> writer_;
};

template <class T, class TsFn>
class TimeTagRdd final : public RddNode<std::pair<Time, T>>, public TimedSource<T> {
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

  bool compute_timed(std::size_t p, TaskContext& tc, TimedChunkSink<T>& out) override {
    if (this->is_persisted() || this->checkpoint_pending() || this->is_checkpointed()) return false;
    TsFn f = ts_fn_;
    WatermarkStats stats;
    std::vector<Time> times;
    auto sink = callback_sink<T>([&](std::span<const T> chunk) {
      times.resize(chunk.size());
      Time* next = times.data();
      stats.add_chunk(chunk, f, in_effect_, [&next](const T&, Time ts) { *next++ = ts; });
      out.push(times, chunk);
    });
    this->template parent<T>()->compute_partition(p, tc, sink);
    ledger_->report(time_, p, stats);
    return true;
  }

 private:
  TsFn ts_fn_;
  const Time in_effect_;
  std::shared_ptr<WatermarkLedger> ledger_;
  const Time time_;
};

// EventStream::map: (t, f(x)) for every tagged (t, x); straight from the tagging pass
// when the parent is one that is not cached (callgrind, event_time_bench: the tag and
// the map stage 2.25 M -> 1.70 M instructions per batch), else from the tagged pairs.
template <class T, class U, class F>
class TimedMapRdd final : public RddNode<std::pair<Time, U>> {
 public:
  using In = std::pair<Time, T>;
  using Out = std::pair<Time, U>;
  TimedMapRdd(const std::shared_ptr<RddNode<In>>& parent, F f)
      : RddNode<Out>(parent->context(), parent->num_partitions(),
                     {Dependency{Dependency::Kind::one_to_one, parent, nullptr}},
                     "MapPartitionsRdd", "map"),
        f_(std::move(f)) {}

  void compute(std::size_t p, TaskContext& tc, ChunkSink<Out>& out) override {
    F f = f_;
    auto parent = this->template parent<In>();
    if (auto* timed = dynamic_cast<TimedSource<T>*>(parent.get())) {
      struct Sink final : TimedChunkSink<T> {
        Sink(F& f, ChunkSink<Out>& out) : f(f), writer(out) {}
        void push(std::span<const Time> times, std::span<const T> values) override {
          for (std::size_t i = 0; i < values.size(); ++i)
            writer.emplace_result(
                [&]() -> Out { return Out(times[i], std::invoke(f, values[i])); });
          writer.flush();
        }
        F& f;
        ChunkWriter<Out> writer;
      } sink(f, out);
      if (timed->compute_timed(p, tc, sink)) return;
    }
    auto sink = callback_sink<In>([&](std::span<const In> chunk) {
      ChunkWriter<Out> writer(out);
      for (const auto& x : chunk)
        writer.emplace_result([&]() -> Out { return Out(x.first, std::invoke(f, x.second)); });
      writer.flush();
    });
    parent->compute_partition(p, tc, sink);
  }

 private:
  F f_;
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
