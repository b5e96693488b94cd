// State<S> and StateSpec: what map_with_state's function sees and how it is configured
// (Spark's State and StateSpec). The function is called once per new record of a key,
// and once more when the key times out; State<S> reads and changes the key's state.
#pragma once
#include <functional>
#include <optional>
#include <rill/dstream/time.hpp>
#include <rill/rdd/rdd.hpp>
#include <stdexcept>
#include <type_traits>
#include <utility>

namespace rill {

template <class S>
class State {
 public:
  State() = default;
  explicit State(std::optional<S> s, bool timing_out = false)
      : state_(std::move(s)), timing_out_(timing_out) {}

  bool exists() const { return state_.has_value(); }
  const S& get() const {
    if (!state_) throw std::logic_error("State::get: the key has no state (check exists() first)");
    return *state_;
  }
  std::optional<S> get_option() const { return state_; }
  void update(S s) {
    if (removed_)
      throw std::logic_error("State::update: the state was already removed in this call");
    if (timing_out_)
      throw std::logic_error("State::update: the state is timing out and cannot be updated");
    state_ = std::move(s);
    updated_ = true;
  }
  void remove() {
    if (removed_)
      throw std::logic_error("State::remove: the state was already removed in this call");
    if (timing_out_)
      throw std::logic_error("State::remove: the state is timing out and is removed anyway");
    state_.reset();
    removed_ = true;
  }
  bool is_timing_out() const { return timing_out_; }
  bool is_updated() const { return updated_; }
  bool is_removed() const { return removed_; }

 private:
  std::optional<S> state_;
  bool timing_out_ = false;
  bool updated_ = false;
  bool removed_ = false;
};

// fn(const K& key, std::optional<V> value, State<S>& state) -> R. value is std::nullopt
// only in the call for a key that times out.
template <class K, class V, class S, class R>
class StateSpec {
 public:
  using Function = std::function<R(const K&, std::optional<V>, State<S>&)>;
  using key_type = K;
  using value_type = V;
  using state_type = S;
  using mapped_type = R;

  explicit StateSpec(Function f) : fn_(std::move(f)) {}
  template <class F>
  static StateSpec function(F f) {
    return StateSpec(Function(std::move(f)));
  }

  // State to start from at the first batch.
  StateSpec initial_state(Rdd<std::pair<K, S>> rdd) const {
    auto s = *this;
    s.initial_ = std::move(rdd);
    return s;
  }
  // A key without new records for longer than d gets one last call with is_timing_out()
  // and is then removed.
  StateSpec timeout(Duration d) const {
    if (d.count() <= 0) throw std::invalid_argument("StateSpec::timeout must be > 0 ms");
    auto s = *this;
    s.timeout_ = d;
    return s;
  }
  StateSpec num_partitions(std::int64_t n) const {
    if (n <= 0) throw std::invalid_argument("StateSpec::num_partitions must be > 0");
    auto s = *this;
    s.partitions_ = n;
    return s;
  }

  const Function& fn() const { return fn_; }
  const std::optional<Rdd<std::pair<K, S>>>& initial() const { return initial_; }
  std::optional<Duration> timeout_duration() const { return timeout_; }
  std::int64_t partitions() const { return partitions_; }

 private:
  Function fn_;
  std::optional<Rdd<std::pair<K, S>>> initial_;
  std::optional<Duration> timeout_;
  std::int64_t partitions_ = 0;  // 0: the context's default
};

namespace detail {
template <class Sig>
struct spec_of_signature;
template <class R, class KA, class VA, class SA>
struct spec_of_signature<std::function<R(KA, VA, SA)>> {
  using V = typename std::decay_t<VA>::value_type;
  using S = std::decay_t<decltype(std::declval<SA>().get())>;
  using type = StateSpec<std::decay_t<KA>, V, S, R>;
};
template <class F>
using spec_of_t = typename spec_of_signature<decltype(std::function{std::declval<F>()})>::type;
}  // namespace detail

// rill::StateSpec spec(fn) and rill::state_spec(fn): K, V, S and R are read off fn's
// signature (a lambda or function with non-template parameters).
template <class F>
StateSpec(F)
    -> StateSpec<typename detail::spec_of_t<F>::key_type, typename detail::spec_of_t<F>::value_type,
                 typename detail::spec_of_t<F>::state_type,
                 typename detail::spec_of_t<F>::mapped_type>;

template <class F>
auto state_spec(F f) {
  using Spec = detail::spec_of_t<F>;
  return Spec(typename Spec::Function(std::move(f)));
}

}  // namespace rill
