// reduce_by_key_and_window(reduce, inverse, length, slide[, n, filter_fn]): the
// incremental windowed reduction (Spark's ReducedWindowedDStream). The window at t is the
// window at t - slide, minus (inverse) the batches that left it, plus (reduce) those that
// entered: per slide it touches 2 * slide/batch batch results and the previous window,
// never the whole window. The batch results are reduced by key with the window's
// HashPartitioner, so the update is one narrow pass per partition (WindowUpdateNode),
// joining the previous window without a shuffle. Its RDDs form a chain,
// so it needs ssc.checkpoint(dir) and checkpoints every 10 slides.
#pragma once
#include <atomic>
#include <rill/dstream/window.hpp>
#include <rill/dstream/window_update.hpp>
#include <rill/rdd/hash_partitioner.hpp>

namespace rill::detail {

// Test hook: how many RDDs the last window combined (entering + leaving batch results +
// the previous window). Constant in the window length once the window is full.
class IncrementalWindow {
 public:
  virtual ~IncrementalWindow() = default;
  virtual std::size_t rdds_combined_last() const = 0;
  virtual std::size_t rdds_combined_max() const = 0;
};

template <class K, class V, class F, class G, class Filter>
class ReducedWindowNode final : public DStreamNode<std::pair<K, V>>, public IncrementalWindow {
 public:
  using T = std::pair<K, V>;

  // needs_checkpoint_dir false: for operators that API.md lets run without
  // ssc.checkpoint(dir) (count_by_window); they checkpoint into the Context's directory.
  ReducedWindowNode(const std::shared_ptr<DStreamNode<T>>& reduced, F f, G inverse, Duration length,
                    Duration slide, std::int64_t n, Filter filter,
                    std::string op = "reduce_by_key_and_window", bool needs_checkpoint_dir = true)
      : DStreamNode<T>(reduced->graph_ptr(), {reduced}, std::move(op)),
        reduced_(reduced),
        f_(std::move(f)),
        inverse_(std::move(inverse)),
        length_(length),
        slide_(slide),
        n_(n),
        filter_(std::move(filter)),
        needs_checkpoint_dir_(needs_checkpoint_dir) {
    this->set_checkpoint_without_dir(!needs_checkpoint_dir);
    reduced->set_persist(true);  // each batch result is read when it enters and when it leaves
    this->set_persist(true);     // the next slide starts from this window
    // After a restart, the window and the batch results still in it are restored.
    reduced->set_recoverable(true);
    this->set_recoverable(true);
    this->set_checkpoint_interval(slide * 10);
  }

  Duration slide_duration() const override { return slide_; }
  std::optional<std::string> requires_checkpoint() const override {
    if (!needs_checkpoint_dir_) return std::nullopt;
    return std::string("reduce_by_key_and_window with an inverse function");
  }
  std::size_t rdds_combined_last() const override { return last_.load(); }
  std::size_t rdds_combined_max() const override { return max_.load(); }

  std::optional<Rdd<T>> compute(Time t) override {
    const auto step = reduced_->slide_duration();
    std::optional<Rdd<T>> prev;
    // A window shorter than its slide shares no batch with the previous one.
    if (length_ >= slide_ && t - slide_ > this->zero_time())
      prev = this->get_or_compute(t - slide_);
    std::vector<Rdd<T>> leaving, entering;
    if (prev) {
      leaving = reduced_->slice(t - length_ - slide_ + step, t - length_);
      entering = reduced_->slice(t - slide_ + step, t);
    } else {
      entering = reduced_->slice(t - length_ + step, t);
    }
    const std::size_t combined = leaving.size() + entering.size() + (prev ? 1 : 0);
    last_ = combined;
    if (combined > max_) max_ = combined;

    auto ctx = this->graph().context();
    auto part = std::make_shared<HashPartitioner>(static_cast<std::size_t>(partitions(ctx)));
    std::vector<Dependency> deps;
    if (prev) deps.push_back(cogroup_dependency(*prev, part));
    for (const auto& r : leaving) deps.push_back(cogroup_dependency(r, part));
    for (const auto& r : entering) deps.push_back(cogroup_dependency(r, part));
    using Node = WindowUpdateNode<K, V, F, G, Filter>;
    return Rdd<T>(std::make_shared<Node>(ctx.state(), part, std::move(deps), prev.has_value(),
                                         leaving.size(), f_, inverse_, filter_,
                                         live_window(part->num_partitions()), t, slide_));
  }

 protected:
  Duration parent_remember_duration() const override { return this->remember_duration() + length_; }

 private:
  // A filter_fn drops keys from the window, which the live tables cannot (yet).
  std::shared_ptr<LiveWindow<K, V>> live_window(std::size_t partitions) {
    if constexpr (!std::is_same_v<Filter, std::nullptr_t>) return nullptr;
    std::lock_guard lock(live_mutex_);  // compute() also runs on threads calling slice()
    if (!live_ || live_->partitions() != partitions)
      live_ = std::make_shared<LiveWindow<K, V>>(partitions);
    return live_;
  }

  std::int64_t partitions(const Context& ctx) const {
    return n_ > 0 ? n_ : static_cast<std::int64_t>(ctx.state()->source_partitions());
  }

  std::shared_ptr<DStreamNode<T>> reduced_;
  F f_;
  G inverse_;
  Duration length_, slide_;
  std::int64_t n_;
  Filter filter_;
  const bool needs_checkpoint_dir_;
  std::atomic<std::size_t> last_{0}, max_{0};
  std::mutex live_mutex_;
  std::shared_ptr<LiveWindow<K, V>> live_;
};

// The incremental window of a pair stream, for reduce_by_key_and_window and the
// windowed counts built on it.
template <class T, class F, class G, class Filter>
DStream<T> incremental_window(const DStream<T>& s, F f, G inverse, Duration length, Duration slide,
                              std::int64_t n, Filter filter_fn, const std::string& op,
                              bool needs_checkpoint_dir) {
  using K = typename T::first_type;
  using V = typename T::second_type;
  check_window(s.node(), length, slide, op);
  if (n < 0) checked_partitions(n, op.c_str());
  auto reduced = s.reduce_by_key(
      f, n > 0
             ? n
             : static_cast<std::int64_t>(s.node().graph().context().state()->source_partitions()));
  return DStream<T>(std::make_shared<ReducedWindowNode<K, V, F, G, Filter>>(
      reduced.node_ptr(), std::move(f), std::move(inverse), length, slide, n, std::move(filter_fn),
      op, needs_checkpoint_dir));
}

}  // namespace rill::detail

namespace rill {

template <class T>
template <class F, class G, class Filter>
requires std::invocable<G&, typename T::second_type, typename T::second_type> DStream<T>
DStream<T>::reduce_by_key_and_window(F f, G inverse, Duration length, Duration slide,
                                     std::int64_t n, Filter filter_fn)
const {
  static_assert(detail::is_pair_v<T>, "reduce_by_key_and_window needs a DStream<std::pair<K, V>>");
  return detail::incremental_window(*this, std::move(f), std::move(inverse), length, slide, n,
                                    std::move(filter_fn), "reduce_by_key_and_window", true);
}

}  // namespace rill
