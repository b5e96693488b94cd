// NarrowNode: one-to-one-partition transformations (map, flat_map, key_by, sample, ...).
// Spark's MapPartitionsRDD. make_op(p) yields the per-partition element function
// op(T& x, emit); the node runs it over each parent chunk in an inlined loop, so a chain
// of narrow operations is one pass with one virtual call per chunk per operator.
#pragma once
#include <rill/rdd/function_args.hpp>
#include <rill/rdd/line_view_sink.hpp>
#include <rill/rdd/rdd.hpp>
#include <string>

namespace rill::detail {

template <class T, class U, class Op>
class NarrowSink final : public ChunkSink<T> {
 public:
  NarrowSink(Op& op, ChunkSink<U>& out) : op_(op), writer_(out) {}
  void push(std::span<T> chunk) override {
    for (auto& x : chunk) op_(x, writer_);
    writer_.flush();
  }
  // Ops that can read a const element (map of a function taking const T& or T) run on
  // shared data directly; the others get a copy to move from.
  void push_const(std::span<const T> chunk) override {
    if constexpr (std::is_invocable_v<Op&, const T&, ChunkWriter<U>&>) {
      for (const auto& x : chunk) op_(x, writer_);
      writer_.flush();
    } else {
      ChunkSink<T>::push_const(chunk);
    }
  }

 private:
  Op& op_;
  ChunkWriter<U> writer_;
};

// An op whose user function takes std::string_view (Op::reads_line_views) reads the lines
// of text_file in place; from any other producer it gets std::string elements as usual.
template <class Op>
constexpr bool reads_line_views() {
  if constexpr (requires { Op::reads_line_views; })
    return Op::reads_line_views;
  else
    return false;
}

template <class U, class Op>
class NarrowLineSink final : public ChunkSink<std::string>, public LineViewSink {
 public:
  NarrowLineSink(Op& op, ChunkSink<U>& out) : op_(op), writer_(out) {}
  void push(std::span<std::string> chunk) override { run(chunk); }
  void push_const(std::span<const std::string> chunk) override { run(chunk); }
  void push_views(std::span<const std::string_view> lines) override { run(lines); }

 private:
  template <class Span>
  void run(Span chunk) {
    for (auto& x : chunk) {
      const std::string_view line(x);
      op_(line, writer_);
    }
    writer_.flush();
  }
  Op& op_;
  ChunkWriter<U> writer_;
};

template <class T, class U, class MakeOp>
class NarrowNode final : public RddNode<U> {
 public:
  NarrowNode(const std::shared_ptr<RddNode<T>>& parent, MakeOp make_op, std::string op,
             bool preserves_partitioning)
      : RddNode<U>(parent->context(), parent->num_partitions(),
                   {Dependency{Dependency::Kind::one_to_one, parent, nullptr}}, "MapPartitionsRdd",
                   std::move(op)),
        make_op_(std::move(make_op)) {
    if (preserves_partitioning) this->set_partitioner(parent->partitioner());
  }

  void compute(std::size_t p, TaskContext& tc, ChunkSink<U>& out) override {
    auto op = make_op_(p);
    using Op = decltype(op);
    if constexpr (std::is_same_v<T, std::string> && reads_line_views<Op>()) {
      NarrowLineSink<U, Op> sink(op, out);
      this->template parent<T>()->compute_partition(p, tc, sink);
    } else {
      NarrowSink<T, U, Op> sink(op, out);
      this->template parent<T>()->compute_partition(p, tc, sink);
    }
  }

 private:
  MakeOp make_op_;
};

template <class U, class T, class MakeOp>
Rdd<U> make_narrow(const Rdd<T>& in, MakeOp make_op, std::string op,
                   bool preserves_partitioning = false) {
  static_assert(!is_view_v<U>,
                "an Rdd element cannot be a std::string_view: it would point into a chunk "
                "that is gone once the operator returns; make it a std::string");
  return Rdd<U>(std::make_shared<NarrowNode<T, U, MakeOp>>(in.node_ptr(), std::move(make_op),
                                                           std::move(op), preserves_partitioning));
}

// The same element function for every partition.
template <class Op>
auto every_partition(Op op) {
  return [op = std::move(op)](std::size_t) { return op; };
}

}  // namespace rill::detail
