// transform and transform_with: a stream whose RDD at t is a function of its parents'
// RDDs at t (Spark's TransformedDStream). Every per-batch operation (map, filter,
// reduce_by_key, join, ...) is one of these; it costs what the RDD operation costs.
#pragma once
#include <functional>
#include <rill/dstream/dstream.hpp>
#include <type_traits>

namespace rill::detail {

template <class U>
class TransformedNode final : public DStreamNode<U> {
 public:
  using Fn = std::function<std::optional<Rdd<U>>(Time)>;
  TransformedNode(std::shared_ptr<DStreamGraph> g,
                  std::vector<std::shared_ptr<DStreamBase>> parents, std::string op, Fn fn)
      : DStreamNode<U>(std::move(g), std::move(parents), std::move(op)), fn_(std::move(fn)) {}
  std::optional<Rdd<U>> compute(Time t) override { return fn_(t); }

 private:
  Fn fn_;  // captures the typed parents; immutable
};

// A stream of U computed from one parent: f(const Rdd<T>&, Time) -> Rdd<U>.
template <class U, class T, class F>
DStream<U> derive(const DStream<T>& parent, std::string op, F f) {
  auto p = parent.node_ptr();
  auto& g = parent.node().graph_ptr();
  return DStream<U>(std::make_shared<TransformedNode<U>>(
      g, std::vector<std::shared_ptr<DStreamBase>>{p}, std::move(op),
      [p, f](Time t) mutable -> std::optional<Rdd<U>> {
        auto rdd = p->get_or_compute(t);
        if (!rdd) return std::nullopt;
        return Rdd<U>(f(*rdd, t));
      }));
}

// Same, from two parents that both have an RDD at t.
template <class R, class T, class U, class F>
DStream<R> derive2(const DStream<T>& a, const DStream<U>& b, std::string op, F f) {
  if (a.slide_duration() != b.slide_duration())
    throw std::invalid_argument(op + ": the two streams have different slide durations (" +
                                std::to_string(a.slide_duration().count()) + " ms vs " +
                                std::to_string(b.slide_duration().count()) + " ms)");
  auto pa = a.node_ptr();
  auto pb = b.node_ptr();
  return DStream<R>(std::make_shared<TransformedNode<R>>(
      a.node().graph_ptr(), std::vector<std::shared_ptr<DStreamBase>>{pa, pb}, std::move(op),
      [pa, pb, f](Time t) mutable -> std::optional<Rdd<R>> {
        auto ra = pa->get_or_compute(t);
        auto rb = pb->get_or_compute(t);
        if (!ra || !rb) return std::nullopt;
        return Rdd<R>(f(*ra, *rb, t));
      }));
}

template <class T>
struct rdd_element;
template <class T>
struct rdd_element<Rdd<T>> {
  using type = T;
};

}  // namespace rill::detail

namespace rill {

template <class T>
template <class F>
auto DStream<T>::transform(F f) const {
  if constexpr (std::is_invocable_v<F&, const Rdd<T>&, Time>) {
    using U = typename detail::rdd_element<
        std::decay_t<std::invoke_result_t<F&, const Rdd<T>&, Time>>>::type;
    return detail::derive<U>(*this, "transform",
                             [f](const Rdd<T>& r, Time t) mutable { return f(r, t); });
  } else {
    static_assert(
        std::is_invocable_v<F&, const Rdd<T>&>,
        "transform takes f(const Rdd<T>&) or f(const Rdd<T>&, rill::Time) returning an Rdd");
    using U =
        typename detail::rdd_element<std::decay_t<std::invoke_result_t<F&, const Rdd<T>&>>>::type;
    return detail::derive<U>(*this, "transform",
                             [f](const Rdd<T>& r, Time) mutable { return f(r); });
  }
}

template <class T>
template <class U, class F>
auto DStream<T>::transform_with(const DStream<U>& other, F f) const {
  if constexpr (std::is_invocable_v<F&, const Rdd<T>&, const Rdd<U>&, Time>) {
    using R = typename detail::rdd_element<
        std::decay_t<std::invoke_result_t<F&, const Rdd<T>&, const Rdd<U>&, Time>>>::type;
    return detail::derive2<R>(
        *this, other, "transform_with",
        [f](const Rdd<T>& a, const Rdd<U>& b, Time t) mutable { return f(a, b, t); });
  } else {
    static_assert(
        std::is_invocable_v<F&, const Rdd<T>&, const Rdd<U>&>,
        "transform_with takes f(const Rdd<T>&, const Rdd<U>&[, rill::Time]) returning an Rdd");
    using R = typename detail::rdd_element<
        std::decay_t<std::invoke_result_t<F&, const Rdd<T>&, const Rdd<U>&>>>::type;
    return detail::derive2<R>(
        *this, other, "transform_with",
        [f](const Rdd<T>& a, const Rdd<U>& b, Time) mutable { return f(a, b); });
  }
}

}  // namespace rill
