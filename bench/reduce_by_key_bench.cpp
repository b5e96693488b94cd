// reduce_by_key over RILL_BENCH_PAIRS million (default 50) integer pairs (key = mix(i) mod
// 1M, value = 1), generated on the fly, three ways: rill's range.map.reduce_by_key, a
// serial loop, and a TBB loop with per-thread hash maps. All use detail::HashMap.
#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/enumerable_thread_specific.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/task_arena.h>
#include <rill/rill.hpp>
#include <string>

#include "bench_support.hpp"

namespace rill_bench {
namespace {

using Sums = rill::detail::HashMap<std::int64_t, std::int64_t>;
constexpr std::int64_t kKeys = 1'000'000;

std::int64_t num_pairs() { return env_int("RILL_BENCH_PAIRS", 50) * 1'000'000; }
inline std::int64_t key_of(std::int64_t i) { return std::int64_t(splitmix64(std::uint64_t(i)) % kKeys); }

// Distinct keys, computed once (the serial twin's answer) to check the others.
std::int64_t expected_distinct() {
  static const std::int64_t n = [] {
    Sums sums;
    for (std::int64_t i = 0, n = num_pairs(); i < n; ++i) sums[key_of(i)] += 1;
    return std::int64_t(sums.size());
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
  for (std::int64_t i = 0; i < n; ++i) sums[key_of(i)] += 1;
  return std::int64_t(sums.size());
}

std::int64_t reduce_tbb(tbb::task_arena& arena, std::int64_t n) {
  tbb::enumerable_thread_specific<Sums> locals;
  std::int64_t distinct = 0;
  arena.execute([&] {
    tbb::parallel_for(tbb::blocked_range<std::int64_t>(0, n, 1 << 16),
                      [&](const tbb::blocked_range<std::int64_t>& r) {
                        auto& sums = locals.local();
                        for (std::int64_t i = r.begin(); i != r.end(); ++i) sums[key_of(i)] += 1;
                      });
    // Merge by moving nodes into the largest map.
    Sums* acc = nullptr;
    for (auto& l : locals)
      if (!acc || l.size() > acc->size()) acc = &l;
    Sums out = acc ? std::move(*acc) : Sums{};
    for (auto& other : locals)
      for (auto it = other.begin(); it != other.end();) {
        auto r = out.insert(other.extract(it++));
        if (!r.inserted) r.position->second += r.node.mapped();
      }
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

void BM_ReduceByKey_Tbb(benchmark::State& state) {
  const auto n = num_pairs();
  expected_distinct();
  tbb::task_arena arena(kParallelism);
  Measure m(state);
  for (auto _ : state) {
    m.begin();
    auto d = reduce_tbb(arena, n);
    m.end();
    check(state, d);
  }
  state.SetItemsProcessed(n * state.iterations());
  m.finish("reduce_by_key", "tbb");
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

BENCHMARK(BM_ReduceByKey_Serial)->Iterations(2)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ReduceByKey_Tbb)->Iterations(3)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ReduceByKey_Rill)->Iterations(3)->UseManualTime()->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace rill_bench
