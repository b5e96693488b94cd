// Reading shared data (a cached partition, a parallelize slice): operators that only read
// their input (map of a function taking const T& or T, filter, collect) copy nothing they
// do not keep; the others still get a private copy, and the shared data stays intact.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <rill/rill.hpp>

#include "rdd/reference.hpp"

namespace rill::test {
namespace {

std::atomic<long> g_copies{0};

struct Counted {
  int v = 0;
  Counted() = default;
  explicit Counted(int x) : v(x) {}
  Counted(const Counted& o) : v(o.v) { ++g_copies; }
  Counted& operator=(const Counted& o) {
    v = o.v;
    ++g_copies;
    return *this;
  }
  Counted(Counted&&) noexcept = default;
  Counted& operator=(Counted&&) noexcept = default;
};

bool operator==(const Counted& a, const Counted& b) {
  return a.v == b.v;
}

}  // namespace
}  // namespace rill::test

template <>
struct rill::Hash<rill::test::Counted> {
  std::size_t operator()(const rill::test::Counted& c) const noexcept {
    return std::hash<int>{}(c.v);
  }
};

namespace rill::test {
namespace {

class RddSharedRead : public ::testing::TestWithParam<std::int64_t> {
 protected:
  Context ctx{Config{.parallelism = 2}};

  // 0..n-1, cached and materialised; the copy counter starts at zero afterwards.
  Rdd<Counted> cached(int n) {
    std::vector<Counted> data;
    for (int i = 0; i < n; ++i) data.emplace_back(i);
    auto rdd = ctx.parallelize(std::move(data), GetParam()).cache();
    rdd.count();
    g_copies = 0;
    return rdd;
  }
  static std::vector<int> doubled(int n) {
    std::vector<int> out;
    for (int i = 0; i < n; ++i) out.push_back(2 * i);
    return out;
  }
};

TEST_P(RddSharedRead, MapByConstReferenceCopiesNoElement) {
  for (int n : {0, 1, 50, 10'000}) {
    auto rdd = cached(n);
    auto out = rdd.map([](const Counted& c) { return 2 * c.v; }).collect();
    EXPECT_EQ(out, doubled(n)) << n;
    EXPECT_EQ(g_copies.load(), 0) << n;
  }
}

TEST_P(RddSharedRead, MapByValueCopiesEachElementOnce) {
  auto rdd = cached(5'000);
  auto out = rdd.map([](Counted c) { return 2 * c.v; }).collect();
  EXPECT_EQ(out, doubled(5'000));
  EXPECT_EQ(g_copies.load(), 5'000);
}

TEST_P(RddSharedRead, MapThatMovesFromItsInputGetsACopyAndTheCacheStaysIntact) {
  auto rdd = cached(5'000);
  auto steal = [](Counted&& c) {
    Counted mine = std::move(c);
    c.v = -1;  // would corrupt the cached partition if it were handed out directly
    return 2 * mine.v;
  };
  EXPECT_EQ(rdd.map(steal).collect(), doubled(5'000));
  EXPECT_EQ(rdd.map(steal).collect(), doubled(5'000));
}

TEST_P(RddSharedRead, FilterCopiesOnlyWhatItKeeps) {
  auto rdd = cached(9'000);
  auto out = rdd.filter([](const Counted& c) { return c.v % 3 == 0; })
                 .map([](const Counted& c) { return c.v; })
                 .collect();
  std::vector<int> want;
  for (int i = 0; i < 9'000; i += 3) want.push_back(i);
  EXPECT_EQ(out, want);
  EXPECT_EQ(g_copies.load(), 3'000);
}

TEST_P(RddSharedRead, CollectCopiesEachElementOnce) {
  auto rdd = cached(7'000);
  auto out = rdd.collect();
  ASSERT_EQ(out.size(), 7'000u);
  for (int i = 0; i < 7'000; ++i) ASSERT_EQ(out[static_cast<std::size_t>(i)].v, i);
  EXPECT_EQ(g_copies.load(), 7'000);
}

TEST_P(RddSharedRead, ActionsThatOnlyReadCopyNothing) {
  auto rdd = cached(6'000);
  EXPECT_EQ(rdd.count(), 6'000);
  EXPECT_EQ(rdd.aggregate(
                0L, [](long a, const Counted& c) { return a + c.v; }, std::plus<>{}),
            6'000L * 5'999 / 2);
  std::atomic<long> seen{0};
  rdd.foreach ([&](const Counted& c) { seen += c.v; });
  EXPECT_EQ(seen.load(), 6'000L * 5'999 / 2);
  EXPECT_EQ(g_copies.load(), 0);
}

// The map-side combine copies a key only when it is new to a table, not per record.
TEST_P(RddSharedRead, ReduceByKeyCopiesOnlyNewKeys) {
  std::vector<std::pair<Counted, int>> data;
  for (int i = 0; i < 5'000; ++i) data.emplace_back(Counted(i % 10), 1);
  auto rdd = ctx.parallelize(std::move(data), GetParam()).cache();
  rdd.count();
  g_copies = 0;
  auto out = rdd.reduce_by_key(std::plus<>{}).collect();
  ASSERT_EQ(out.size(), 10u);
  for (const auto& [k, n] : out) EXPECT_EQ(n, 500) << k.v;
  // At most: each map task's tables copy each of the 10 keys once, each reducer's once.
  const long tasks = static_cast<long>(GetParam());
  EXPECT_LE(g_copies.load(), 10 * tasks + 10 * tasks + 10);
}

TEST_P(RddSharedRead, FlatMapByConstReferenceCopiesNoElement) {
  auto rdd = cached(4'000);
  auto out = rdd.flat_map([](const Counted& c) { return std::vector<int>{c.v, c.v}; }).collect();
  ASSERT_EQ(out.size(), 8'000u);
  for (std::size_t i = 0; i < out.size(); ++i) ASSERT_EQ(out[i], static_cast<int>(i / 2));
  EXPECT_EQ(g_copies.load(), 0);
}

TEST_P(RddSharedRead, ParallelizeSlicesAreReadInPlace) {
  std::vector<Counted> data;
  for (int i = 0; i < 3'000; ++i) data.emplace_back(i);
  auto rdd = ctx.parallelize(std::move(data), GetParam());
  g_copies = 0;
  EXPECT_EQ(rdd.map([](const Counted& c) { return 2 * c.v; }).collect(), doubled(3'000));
  EXPECT_EQ(g_copies.load(), 0);
}

// parallelize of an rvalue keeps the caller's buffer: its slices are ranges of it, no
// second copy of the input (the moves above are not counted, addresses are).
TEST_P(RddSharedRead, ParallelizeOfAnRvalueKeepsItsBuffer) {
  std::vector<Counted> data;
  for (int i = 0; i < 3'000; ++i) data.emplace_back(i);
  const auto base = reinterpret_cast<std::uintptr_t>(data.data());
  auto rdd = ctx.parallelize(std::move(data), GetParam());
  const auto addrs =
      rdd.map([](const Counted& c) { return reinterpret_cast<std::uintptr_t>(&c); }).collect();
  ASSERT_EQ(addrs.size(), 3'000u);
  for (std::size_t i = 0; i < addrs.size(); ++i)
    ASSERT_EQ(addrs[i], base + i * sizeof(Counted)) << "element " << i;
}

INSTANTIATE_TEST_SUITE_P(Partitions, RddSharedRead, ::testing::ValuesIn(kPartitionCounts));

}  // namespace
}  // namespace rill::test
