// RangePartitioner(n, rdd[, ascending]): sorted key ranges of roughly equal weight, with
// bounds from a sample of the RDD's keys (Spark's RangePartitioner). Building one runs a
// sampling job. The result has at most n partitions: fewer when keys are few.
#pragma once
#include <algorithm>
#include <random>
#include <rill/rdd/hash_partitioner.hpp>
#include <rill/rdd/rdd.hpp>

namespace rill {

template <class K>
class RangePartitioner final : public Partitioner {
 public:
  template <class V>
  RangePartitioner(std::int64_t n, const Rdd<std::pair<K, V>>& rdd, bool ascending = true)
      : ascending_(ascending) {
    const auto parts = detail::checked_partitions(n, "RangePartitioner");
    if (parts > 1) bounds_ = sample_bounds(parts, rdd);
  }
  // Explicit bounds, ascending; partition i holds keys in (bounds[i-1], bounds[i]].
  RangePartitioner(std::vector<K> bounds, bool ascending)
      : bounds_(std::move(bounds)), ascending_(ascending) {}

  std::size_t num_partitions() const override { return bounds_.size() + 1; }
  bool equals(const Partitioner& other) const override {
    auto* r = dynamic_cast<const RangePartitioner*>(&other);
    return r && r->ascending_ == ascending_ && r->bounds_ == bounds_;
  }
  std::string describe() const override {
    return "RangePartitioner(" + std::to_string(num_partitions()) +
           (ascending_ ? ", asc)" : ", desc)");
  }
  std::size_t partition(const K& key) const {
    const auto i = static_cast<std::size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), key) -
                                            bounds_.begin());
    return ascending_ ? i : bounds_.size() - i;
  }
  const std::vector<K>& bounds() const { return bounds_; }
  bool ascending() const { return ascending_; }

 private:
  // Reservoir-samples up to ~20 keys per output partition from each input partition and
  // picks n-1 bounds by weight (each sample stands for count/sampled keys of its partition).
  template <class V>
  static std::vector<K> sample_bounds(std::size_t n, const Rdd<std::pair<K, V>>& rdd) {
    const std::size_t inputs = std::max<std::size_t>(rdd.num_partitions(), 1);
    const std::size_t per_partition = std::max<std::size_t>(20 * n / inputs + 1, 20);
    struct Sample {
      std::vector<K> keys;
      std::int64_t seen = 0;
    };
    std::vector<Sample> samples(rdd.num_partitions());
    rdd.run_job(
        {},
        [&](std::size_t p, TaskContext& tc) {
          Sample s;
          std::mt19937_64 rng(0x5eed ^ (p * 0x9e3779b97f4a7c15ULL));
          auto sink = detail::callback_sink<std::pair<K, V>>([&](std::span<std::pair<K, V>> c) {
            for (auto& kv : c) {
              ++s.seen;
              if (s.keys.size() < per_partition) {
                s.keys.push_back(kv.first);
              } else {
                std::uniform_int_distribution<std::int64_t> d(0, s.seen - 1);
                if (auto j = d(rng); j < static_cast<std::int64_t>(per_partition))
                  s.keys[static_cast<std::size_t>(j)] = kv.first;
              }
            }
          });
          rdd.node().compute_partition(p, tc, sink);
          samples[p] = std::move(s);
        },
        "RangePartitioner sample");
    std::vector<std::pair<K, double>> weighted;
    double total = 0;
    for (auto& s : samples) {
      if (s.keys.empty()) continue;
      const double w = double(s.seen) / double(s.keys.size());
      for (auto& k : s.keys) weighted.emplace_back(std::move(k), w);
      total += double(s.seen);
    }
    std::sort(weighted.begin(), weighted.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<K> bounds;
    const double step = total / double(n);
    double cum = 0, target = step;
    for (auto& [k, w] : weighted) {
      cum += w;
      if (cum >= target && bounds.size() < n - 1) {
        if (bounds.empty() || bounds.back() < k) bounds.push_back(k);
        target += step;
      }
    }
    return bounds;
  }

  std::vector<K> bounds_;
  bool ascending_ = true;
};

template <class K, class V>
RangePartitioner(std::int64_t, const Rdd<std::pair<K, V>>&, bool) -> RangePartitioner<K>;
template <class K, class V>
RangePartitioner(std::int64_t, const Rdd<std::pair<K, V>>&) -> RangePartitioner<K>;

namespace detail {

// Calls f with the partitioner as a shared_ptr to its concrete type, so that the per-key
// call inlines for the built-in partitioners.
template <class K, class F>
decltype(auto) with_typed_partitioner(const std::shared_ptr<const Partitioner>& p, F&& f) {
  if (auto h = std::dynamic_pointer_cast<const HashPartitioner>(p)) return f(h);
  if (auto r = std::dynamic_pointer_cast<const RangePartitioner<K>>(p)) return f(r);
  if (auto u = std::dynamic_pointer_cast<const KeyPartitioner<K>>(p)) return f(u);
  throw std::invalid_argument(
      "partitioner " + p->describe() +
      " cannot partition this key type (derive from rill::KeyPartitioner<K>)");
}

}  // namespace detail
}  // namespace rill
