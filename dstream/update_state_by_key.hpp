// update_state_by_key(f): per-key state carried from batch to batch (Spark's
// StateDStream). Batch t cogroups the state of the previous batch with this batch's values
// grouped by key and calls f(new_values, state) for every key in either; returning
// std::nullopt removes the key. Wide for the new values; the previous state is already
// partitioned by the same HashPartitioner and joins narrowly. The state RDDs form a
// chain, so it needs ssc.checkpoint(dir) and checkpoints every 10 slides.
#pragma once
#include <functional>
#include <rill/dstream/transform.hpp>
#include <rill/rdd/cogroup.hpp>
#include <rill/rdd/group_by_key.hpp>
#include <rill/rdd/map_partitions.hpp>

namespace rill::detail {

// The S of a state function returning std::optional<S>, read off its signature.
template <class Sig>
struct state_of_signature;
template <class S, class... A>
struct state_of_signature<std::function<std::optional<S>(A...)>> {
  using type = S;
};
template <class F>
using state_of_t = typename state_of_signature<decltype(std::function{std::declval<F>()})>::type;

template <class K, class V, class S, class F>
class StateNode final : public DStreamNode<std::pair<K, S>> {
 public:
  using T = std::pair<K, S>;
  StateNode(const std::shared_ptr<DStreamNode<std::pair<K, V>>>& parent, F f, std::int64_t n)
      : DStreamNode<T>(parent->graph_ptr(), {parent}, "update_state_by_key"),
        parent_(parent),
        f_(std::move(f)),
        n_(n) {
    this->set_persist(true);  // the next batch starts from this state
    this->set_checkpoint_interval(this->slide_duration() * 10);
    this->set_recoverable(true);
  }
  std::optional<std::string> requires_checkpoint() const override {
    return std::string("update_state_by_key");
  }

  std::optional<Rdd<T>> compute(Time t) override {
    auto in = parent_->get_or_compute(t);
    if (!in) return std::nullopt;
    const auto parts =
        n_ > 0 ? n_
               : static_cast<std::int64_t>(this->graph().context().state()->source_partitions());
    auto grouped = in->group_by_key(parts);
    std::optional<Rdd<T>> prev;
    {
      std::lock_guard lock(mutex_);
      if (last_ && last_->first < t) prev = last_->second;
    }
    if (!prev) prev = this->latest_before(t);  // restored by get_or_create
    Rdd<T> next;
    if (prev) {
      next = prev->cogroup(grouped, parts)
                 .map_partitions(
                     [f = f_](auto&& groups) mutable {
                       std::vector<T> out;
                       static const std::vector<V> none;
                       for (auto& [k, g] : groups) {
                         auto& [states, values] = g;
                         std::optional<S> state;
                         if (!states.empty()) state = std::move(states.front());
                         auto r = std::invoke(f, values.empty() ? none : values.front(),
                                              std::move(state));
                         if (r) out.emplace_back(k, std::move(*r));
                       }
                       return out;
                     },
                     true);
    } else {
      next = grouped.map_partitions(
          [f = f_](std::vector<std::pair<K, std::vector<V>>>&& groups) mutable {
            std::vector<T> out;
            for (auto& [k, values] : groups) {
              auto r = std::invoke(f, std::as_const(values), std::optional<S>{});
              if (r) out.emplace_back(k, std::move(*r));
            }
            return out;
          },
          true);
    }
    std::lock_guard lock(mutex_);
    last_.emplace(t, next);
    return next;
  }

 private:
  std::shared_ptr<DStreamNode<std::pair<K, V>>> parent_;
  F f_;
  std::int64_t n_;
  std::mutex mutex_;
  // The newest state: batches are generated in time order, so the previous batch's
  // state is this one (also with a 0 ms interval, where t - slide is not a batch).
  std::optional<std::pair<Time, Rdd<T>>> last_;  // guarded by mutex_
};

}  // namespace rill::detail

namespace rill {

template <class T>
template <class F>
auto DStream<T>::update_state_by_key(F f, std::int64_t n) const {
  static_assert(detail::is_pair_v<T>, "update_state_by_key needs a DStream<std::pair<K, V>>");
  using K = typename T::first_type;
  using V = typename T::second_type;
  using S = detail::state_of_t<F>;
  static_assert(
      std::is_invocable_v<F&, const std::vector<V>&, std::optional<S>>,
      "update_state_by_key takes f(const std::vector<V>&, std::optional<S>) -> std::optional<S>");
  if (n < 0) detail::checked_partitions(n, "update_state_by_key");
  return DStream<std::pair<K, S>>(
      std::make_shared<detail::StateNode<K, V, S, F>>(node_ptr(), std::move(f), n));
}

}  // namespace rill
