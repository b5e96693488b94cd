// reduce_by_key over RILL_BENCH_PAIRS million (default 50) integer pairs (key = mix(i) mod
// 1M, value = 1), generated on the fly, three ways: rill's range.map.reduce_by_key, a
// serial loop, and a TBB loop with per-thread hash maps. The twins use rill's aggregation
// table (detail::FlatHashMap); tbb_umap is the TBB twin with std::unordered_map.
#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/enumerable_thread_specific.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/task_arena.h>

#include <algorithm>
#include <rill/rill.hpp>
#include <string>
#include <vector>

#include "bench_support.hpp"

namespace rill_bench {
namespace {

using Sums = rill::detail::FlatHashMap<std::int64_t, std::int64_t>;
using UmapSums = rill::detail::HashMap<std::int64_t, std::int64_t>;

inline void add(Sums& sums, std::int64_t k, std::int64_t v) {
  const std::size_t h = Sums::hash(k);
  if (auto* e = sums.find(k, h))
    e->second += v;
  else
    sums.insert_new(h, k, v);
}
inline void add(UmapSums& sums, std::int64_t k, std::int64_t v) {
  sums[k] += v;
}
constexpr std::int64_t kKeys = 1'000'000;

std::int64_t num_pairs() {
  return env_int("RILL_BENCH_PAIRS", 50) * 1'000'000;
}
inline std::int64_t key_of(std::int64_t i) {
  return std::int64_t(splitmix64(std::uint64_t(i)) % kKeys);
}

// Distinct keys, computed once with a bitmap to check every variant.
std::int64_t expected_distinct() {
  static const std::int64_t n = [] {
    std::vector<bool> seen(kKeys);
    for (std::int64_t i = 0, n = num_pairs(); i < n; ++i) seen[std::size_t(key_of(i))] = true;
    return std::int64_t(std::count(seen.begin(), seen.end(), true));
  }();
  return n;
}

void check(benchmark::State& state, std::int64_t distinct) {
  if (distinct != expected_distinct())
    state.SkipWithError(("wrong result: " + std::to_string(distinct) + " keys, expected " +
                         std::to_string(expected_distinct()))
                            .c_str());
}

std::int64_t reduce_serial(std::int64_t n) {
  Sums sums;
  for (std::int64_t i = 0; i < n; ++i) add(sums, key_of(i), 1);
  return std::int64_t(sums.size());
}

// Merges the per-thread maps into the largest one.
void merge_into(Sums& out, Sums& other) {
  other.consume([&](std::int64_t k, std::int64_t v) { add(out, k, v); });
}
void merge_into(UmapSums& out, UmapSums& other) {
  for (auto it = other.begin(); it != other.end();) {
    auto r = out.insert(other.extract(it++));
    if (!r.inserted) r.position->second += r.node.mapped();
  }
}

template <class Map>
std::int64_t reduce_tbb(tbb::task_arena& arena, std::int64_t n) {
  tbb::enumerable_thread_specific<Map> locals;
  std::int64_t distinct = 0;
  arena.execute([&] {
    tbb::parallel_for(tbb::blocked_range<std::int64_t>(0, n, 1 << 16),
                      [&](const tbb::blocked_range<std::int64_t>& r) {
                        auto& sums = locals.local();
                        for (std::int64_t i = r.begin(); i != r.end(); ++i) add(sums, key_of(i), 1);
                      });
    Map* acc = nullptr;
    for (auto& l : locals)
      if (!acc || l.size() > acc->size()) acc = &l;
    Map out = acc ? std::move(*acc) : Map{};
    for (auto& other : locals) merge_into(out, other);
    distinct = std::int64_t(out.size());
  });
  return distinct;
}

std::int64_t reduce_rill(const rill::Context& ctx, std::int64_t n) {
  return ctx.range(0, n, kParallelism)
      .map([](std::int64_t i) { return std::pair<std::int64_t, std::int64_t>(key_of(i), 1); })
      .reduce_by_key(std::plus<>{})
      .count();
}

void BM_ReduceByKey_Serial(benchmark::State& state) {
  const auto n = num_pairs();
  expected_distinct();
  Measure m(state);
  for (auto _ : state) {
    m.begin();
    auto d = reduce_serial(n);
    m.end();
    check(state, d);
  }
  state.SetItemsProcessed(n * state.iterations());
  m.finish("reduce_by_key", "serial");
}

template <class Map>
void BM_ReduceByKey_Tbb(benchmark::State& state, const char* variant) {
  const auto n = num_pairs();
  expected_distinct();
  tbb::task_arena arena(kParallelism);
  Measure m(state);
  for (auto _ : state) {
    m.begin();
    auto d = reduce_tbb<Map>(arena, n);
    m.end();
    check(state, d);
  }
  state.SetItemsProcessed(n * state.iterations());
  m.finish("reduce_by_key", variant);
}

void BM_ReduceByKey_Rill(benchmark::State& state) {
  const auto n = num_pairs();
  expected_distinct();
  rill::Context ctx(rill::Config{.parallelism = kParallelism});
  Measure m(state);
  for (auto _ : state) {
    m.begin();
    auto d = reduce_rill(ctx, n);
    m.end();
    check(state, d);
  }
  state.SetItemsProcessed(n * state.iterations());
  m.finish("reduce_by_key", "rill");
}

BENCHMARK(BM_ReduceByKey_Serial)->Iterations(1)->UseManualTime()->Unit(benchmark::kMillisecond);
void BM_ReduceByKey_Tbb_Flat(benchmark::State& state) {
  BM_ReduceByKey_Tbb<Sums>(state, "tbb");
}
void BM_ReduceByKey_Tbb_Umap(benchmark::State& state) {
  BM_ReduceByKey_Tbb<UmapSums>(state, "tbb_umap");
}
BENCHMARK(BM_ReduceByKey_Tbb_Flat)->Iterations(3)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ReduceByKey_Tbb_Umap)->Iterations(1)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ReduceByKey_Rill)->Iterations(3)->UseManualTime()->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace rill_bench
