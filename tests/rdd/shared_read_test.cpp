// Reading shared data (a cached partition, a parallelize slice): operators that only read
// their input (map of a function taking const T& or T, filter, collect) copy nothing they
// do not keep; the others still get a private copy, and the shared data stays intact.
#include <gtest/gtest.h>

#include <atomic>
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

TEST_P(RddSharedRead, ParallelizeSlicesAreReadInPlace) {
  std::vector<Counted> data;
  for (int i = 0; i < 3'000; ++i) data.emplace_back(i);
  auto rdd = ctx.parallelize(std::move(data), GetParam());
  g_copies = 0;
  EXPECT_EQ(rdd.map([](const Counted& c) { return 2 * c.v; }).collect(), doubled(3'000));
  EXPECT_EQ(g_copies.load(), 0);
}

INSTANTIATE_TEST_SUITE_P(Partitions, RddSharedRead, ::testing::ValuesIn(kPartitionCounts));

}  // namespace
}  // namespace rill::test
