// EventStream<T>: a DStream whose records carry their own event time, with the watermark
// of the with_watermark call it came from (Structured Streaming's withWatermark, on
// DStreams). map, flat_map and filter are narrow and keep each record's time; the
// watermark is taken in the pass that tags the records (time_tag.hpp, watermark.hpp).
// Windows: event_time_window.hpp.
#pragma once
#include <iterator>
#include <rill/dstream/map.hpp>
#include <rill/dstream/time_tag.hpp>
#include <rill/dstream/transform.hpp>
#include <rill/dstream/watermark.hpp>
#include <rill/dstream/windowed.hpp>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

namespace rill {

template <class T>
class EventStream {
 public:
  using value_type = T;
  using Tagged = std::pair<Time, T>;

  EventStream(DStream<Tagged> tagged, std::shared_ptr<detail::WatermarkTracker> watermark)
      : tagged_(std::move(tagged)), watermark_(std::move(watermark)) {}

  // ---- narrow: every output keeps the event time of the record it came from ----
  template <class F>
  auto map(F f) const {
    using U = std::decay_t<std::invoke_result_t<F&, const T&>>;
    return EventStream<U>(
        detail::derive<std::pair<Time, U>>(tagged_, "map",
                                           [f](const Rdd<Tagged>& r, Time) {
                                             return Rdd<std::pair<Time, U>>(
                                                 std::make_shared<detail::TimedMapRdd<T, U, F>>(
                                                     r.node_ptr(), f));
                                           }),
        watermark_);
  }
  template <class F>
  auto flat_map(F f) const {
    using C = std::decay_t<std::invoke_result_t<F&, const T&>>;
    using U = std::decay_t<decltype(*std::begin(std::declval<C&>()))>;
    return EventStream<U>(tagged_.flat_map([f](const Tagged& r) mutable {
      std::vector<std::pair<Time, U>> out;
      for (auto&& u : std::invoke(f, r.second)) out.emplace_back(r.first, std::move(u));
      return out;
    }),
                          watermark_);
  }
  template <class F>
  EventStream<T> filter(F f) const {
    return EventStream<T>(
        tagged_.filter([f](const Tagged& r) mutable { return std::invoke(f, r.second); }),
        watermark_);
  }

  // ---- plain streams ----
  // Every record, late ones too, without its time.
  DStream<T> stream() const {
    return consume<T>("event_stream", [](const Rdd<Tagged>& r, const detail::WatermarkEffect&) {
      return r.map([](const Tagged& x) { return x.second; });
    });
  }
  // The records of each batch whose time is below the watermark in effect for it.
  DStream<T> late_records() const {
    return consume<T>("late_records", [](const Rdd<Tagged>& r, const detail::WatermarkEffect& s) {
      const Time eff = s.in_effect;
      return r.filter([eff](const Tagged& x) { return x.first < eff; }).map([](const Tagged& x) {
        return x.second;
      });
    });
  }
  // One element per batch: the watermark in effect for it (Time::min() while none).
  DStream<Time> watermarks() const {
    auto wm = watermark_;
    return DStream<Time>(std::make_shared<detail::TransformedNode<Time>>(
        wm->graph_ptr(), std::vector<std::shared_ptr<detail::DStreamBase>>{wm}, "watermarks",
        [wm](Time t) -> std::optional<Rdd<Time>> {
          if (!wm->get_or_compute(t)) return std::nullopt;
          return wm->graph().context().parallelize(std::vector<Time>{wm->effect_at(t).in_effect},
                                                   1);
        }));
  }

  // ---- event-time windows (event_time_window.hpp) ----
  template <class F>
  auto reduce_by_key_and_window(F f, Duration length, Duration slide,
                                OutputMode mode = OutputMode::append) const;
  DStream<Windowed<std::int64_t>> count_by_window(Duration length, Duration slide,
                                                  OutputMode mode = OutputMode::append) const;

  // ---- internals, for operators and tests ----
  // The records with their event times.
  const DStream<Tagged>& tagged() const { return tagged_; }
  const std::shared_ptr<detail::WatermarkTracker>& watermark() const { return watermark_; }

 private:
  // A stream of U from this stream's records of t and the watermark state of t; it also
  // keeps the watermark moving every batch.
  template <class U, class F>
  DStream<U> consume(std::string op, F f) const {
    auto p = tagged_.node_ptr();
    auto wm = watermark_;
    return DStream<U>(std::make_shared<detail::TransformedNode<U>>(
        p->graph_ptr(), std::vector<std::shared_ptr<detail::DStreamBase>>{p, wm}, std::move(op),
        [p, wm, f](Time t) mutable -> std::optional<Rdd<U>> {
          auto rdd = p->get_or_compute(t);
          if (!rdd) return std::nullopt;
          return Rdd<U>(f(*rdd, wm->effect_at(t)));
        }));
  }

  DStream<Tagged> tagged_;
  std::shared_ptr<detail::WatermarkTracker> watermark_;
};

template <class T>
template <class F>
EventStream<T> DStream<T>::with_watermark(F ts_fn, Duration delay) const {
  static_assert(std::is_convertible_v<std::invoke_result_t<F&, const T&>, Time>,
                "with_watermark takes ts_fn(const T&) -> rill::Time");
  if (delay.count() < 0)
    throw std::invalid_argument("with_watermark: delay must be >= 0 ms, got " +
                                std::to_string(delay.count()) + " ms");
  auto wm = std::make_shared<detail::WatermarkNode<T, F>>(node_ptr(), ts_fn, delay);
  // Not persisted here: with one consumer (most pipelines) the tagged records are read
  // once, straight from the tagging pass; a second consumer makes the graph cache them
  // (DStreamBase::add_consumer), as for any stream read twice.
  DStream<std::pair<Time, T>> tagged(
      std::make_shared<detail::TimeTagNode<T, F>>(node_ptr(), wm, ts_fn));
  return EventStream<T>(std::move(tagged), std::move(wm));
}

}  // namespace rill
