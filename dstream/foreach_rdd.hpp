// The output operations: foreach_rdd, print and save_as_text_files (Spark's
// ForEachDStream and the outputs built on it). Each registers one job per batch; jobs of
// one batch run in definition order, on a job-scheduler thread that calls RDD actions.
#pragma once
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <ostream>
#include <rill/dstream/transform.hpp>
#include <rill/rdd/save_as_text_file.hpp>
#include <rill/rdd/take.hpp>
#include <rill/rdd/text_format.hpp>
#include <sstream>

namespace rill::detail {

template <class T>
class ForEachNode final : public OutputStream {
 public:
  using Fn = std::function<void(const Rdd<T>&, Time)>;
  ForEachNode(const std::shared_ptr<DStreamNode<T>>& parent, Fn fn, std::string op)
      : OutputStream(parent->graph_ptr(), {parent}, std::move(op)),
        parent_(parent),
        fn_(std::move(fn)) {}

  std::optional<std::function<void()>> generate_job(Time t) override {
    auto rdd = parent_->get_or_compute(t);
    if (!rdd) return std::nullopt;
    return [fn = fn_, rdd = std::move(*rdd), t] { fn(rdd, t); };
  }

 private:
  std::shared_ptr<DStreamNode<T>> parent_;
  Fn fn_;
};

template <class T>
void print_batch(std::ostream& os, const Rdd<T>& rdd, Time t, std::size_t n) {
  // Spark's format: take n + 1 to know whether to print "...".
  auto first = rdd.take(static_cast<std::int64_t>(n) + 1);
  std::ostringstream out;
  out << "-------------------------------------------\n"
      << "Time: " << t.count() << " ms\n"
      << "-------------------------------------------\n";
  for (std::size_t i = 0; i < first.size() && i < n; ++i) {
    write_text(out, first[i]);
    out << '\n';
  }
  if (first.size() > n) out << "...\n";
  out << '\n';
  os << out.str() << std::flush;
}

// One batch of save_as_text_files, atomically: written to a hidden sibling directory,
// then renamed over what an earlier attempt at the same batch time left (a batch re-run
// after a restart replaces its output; readers never see half of one).
template <class T>
void save_batch_as_text_file(const Rdd<T>& rdd, const std::filesystem::path& dir) {
  auto tmp = dir.parent_path() / ("." + dir.filename().string() + ".tmp");
  std::error_code ec;
  std::filesystem::remove_all(tmp, ec);
  rdd.save_as_text_file(tmp.string());
  std::filesystem::remove_all(dir, ec);
  std::filesystem::rename(tmp, dir, ec);
  if (ec)
    throw std::runtime_error("save_as_text_files: cannot rename " + tmp.string() + " to " +
                             dir.string() + ": " + ec.message());
}

}  // namespace rill::detail

namespace rill {

template <class T>
template <class F>
void DStream<T>::foreach_rdd(F f) const {
  typename detail::ForEachNode<T>::Fn fn;
  if constexpr (std::is_invocable_v<F&, const Rdd<T>&, Time>) {
    fn = [f](const Rdd<T>& r, Time t) mutable { f(r, t); };
  } else {
    static_assert(std::is_invocable_v<F&, const Rdd<T>&>,
                  "foreach_rdd takes fn(const Rdd<T>&) or fn(const Rdd<T>&, rill::Time)");
    fn = [f](const Rdd<T>& r, Time) mutable { f(r); };
  }
  node().graph().check_not_started("foreach_rdd");
  node().graph().add_output(
      std::make_shared<detail::ForEachNode<T>>(node_ptr(), std::move(fn), "foreach_rdd"));
}

template <class T>
void DStream<T>::print(std::size_t n) const {
  node().graph().check_not_started("print");
  node().graph().add_output(std::make_shared<detail::ForEachNode<T>>(
      node_ptr(), [n](const Rdd<T>& r, Time t) { detail::print_batch(std::cout, r, t, n); },
      "print"));
}

template <class T>
void DStream<T>::save_as_text_files(const std::string& prefix, const std::string& suffix) const {
  node().graph().check_not_started("save_as_text_files");
  node().graph().add_output(std::make_shared<detail::ForEachNode<T>>(
      node_ptr(),
      [prefix, suffix](const Rdd<T>& r, Time t) {
        detail::save_batch_as_text_file(
            r, prefix + "-" + std::to_string(t.count()) + (suffix.empty() ? "" : "." + suffix));
      },
      "save_as_text_files"));
}

}  // namespace rill
