// window(length, slide) and the windowed aggregates built on it (Spark's WindowedDStream,
// countByWindow, reduceByWindow, countByValueAndWindow, reduceByKeyAndWindow without an
// inverse). A window is the union of the parent's RDDs of the last length/slide batches:
// narrow, nothing copied; the parent's RDDs are cached so each batch is computed once.
// These aggregates recompute the whole window per slide; see reduced_window.hpp for the
// incremental form and count_by_window.hpp for the windowed counts, which use it.
#pragma once
#include <rill/dstream/count.hpp>
#include <rill/dstream/pair_functions.hpp>
#include <stdexcept>

namespace rill::detail {

// Length and slide must be positive multiples of the parent's slide (the batch
// interval for streams without windows); checked when the window is defined.
inline void check_window(const DStreamBase& parent, Duration length, Duration slide,
                         const std::string& op) {
  const auto step = parent.slide_duration();
  auto fail = [&](const std::string& why) {
    throw std::invalid_argument(op + " on " + parent.name() + ": " + why);
  };
  if (step.count() == 0) fail("windows need a batch interval > 0");
  if (length.count() <= 0)
    fail("window length must be > 0, got " + std::to_string(length.count()) + " ms");
  if (slide.count() <= 0) fail("slide must be > 0, got " + std::to_string(slide.count()) + " ms");
  if (length % step != Duration{0})
    fail("window length " + std::to_string(length.count()) +
         " ms is not a multiple of the parent's slide " + std::to_string(step.count()) + " ms");
  if (slide % step != Duration{0})
    fail("slide " + std::to_string(slide.count()) + " ms is not a multiple of the parent's slide " +
         std::to_string(step.count()) + " ms");
}

template <class T>
class WindowedNode final : public DStreamNode<T> {
 public:
  WindowedNode(const std::shared_ptr<DStreamNode<T>>& parent, Duration length, Duration slide)
      : DStreamNode<T>(parent->graph_ptr(), {parent}, "window"),
        parent_(parent),
        length_(length),
        slide_(slide) {
    parent->set_persist(true);      // read by length/slide windows
    parent->set_recoverable(true);  // after a restart the window still holds its batches
  }
  Duration slide_duration() const override { return slide_; }
  std::optional<Rdd<T>> compute(Time t) override {
    auto rdds = parent_->slice(t - length_ + parent_->slide_duration(), t);
    if (rdds.empty()) return this->graph().context().template empty_rdd<T>();
    return union_all(rdds);
  }

 protected:
  Duration parent_remember_duration() const override { return this->remember_duration() + length_; }

 private:
  std::shared_ptr<DStreamNode<T>> parent_;
  Duration length_, slide_;
};

}  // namespace rill::detail

namespace rill {

template <class T>
DStream<T> DStream<T>::window(Duration length) const {
  return window(length, slide_duration());
}

template <class T>
DStream<T> DStream<T>::window(Duration length, Duration slide) const {
  detail::check_window(node(), length, slide, "window");
  return DStream<T>(std::make_shared<detail::WindowedNode<T>>(node_ptr(), length, slide));
}

template <class T>
template <class F>
DStream<T> DStream<T>::reduce_by_window(F f, Duration length, Duration slide) const {
  detail::check_window(node(), length, slide, "reduce_by_window");
  // Reduce each batch first, so the window reduces one element per batch.
  return reduce(f).window(length, slide).reduce(f);
}

template <class T>
template <class F>
DStream<T> DStream<T>::reduce_by_key_and_window(F f, Duration length, Duration slide,
                                                std::int64_t n) const {
  static_assert(detail::is_pair_v<T>, "reduce_by_key_and_window needs a DStream<std::pair<K, V>>");
  detail::check_window(node(), length, slide, "reduce_by_key_and_window");
  return reduce_by_key(f, n).window(length, slide).reduce_by_key(f, n);
}

}  // namespace rill
