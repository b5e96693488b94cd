// Wide operators against serial references: repartition, distinct, sort_by,
// intersection, subtract, cartesian; 1, 2, 7 and 64 partitions each.
#include <gtest/gtest.h>

#include <rill/rill.hpp>
#include <set>

#include "rdd/reference.hpp"

namespace rill::test {
namespace {

class RddWideOps : public ::testing::TestWithParam<std::int64_t> {
 protected:
  Context ctx{Config{.parallelism = 2}};
  std::size_t np() const { return static_cast<std::size_t>(GetParam()); }
};

TEST_P(RddWideOps, RepartitionKeepsEveryElementAndBalances) {
  for (std::size_t n : kSizes) {
    auto data = ints(n);
    for (std::int64_t k : {1, 5, 64}) {
      auto r = ctx.parallelize(data, GetParam()).repartition(k);
      ASSERT_EQ(r.num_partitions(), static_cast<std::size_t>(k));
      auto parts = r.glom().collect();
      ASSERT_EQ(parts.size(), static_cast<std::size_t>(k));
      std::vector<int> all;
      std::size_t lo = n, hi = 0;
      for (const auto& p : parts) {
        all.insert(all.end(), p.begin(), p.end());
        lo = std::min(lo, p.size());
        hi = std::max(hi, p.size());
      }
      EXPECT_EQ(sorted(all), sorted(data)) << "n=" << n << " k=" << k;
      // Round robin per map task: reducers differ by at most one element per map task.
      EXPECT_LE(hi - std::min(lo, hi), np()) << "n=" << n << " k=" << k;
    }
  }
}

TEST_P(RddWideOps, DistinctMatchesStdSet) {
  for (std::size_t n : kSizes) {
    auto data = ints(n);
    for (auto& x : data) x %= 50;  // many duplicates
    std::set<int> want(data.begin(), data.end());
    auto rdd = ctx.parallelize(data, GetParam());
    EXPECT_EQ(sorted(rdd.distinct().collect()), std::vector<int>(want.begin(), want.end()));
    auto d3 = rdd.distinct(3);
    EXPECT_EQ(d3.num_partitions(), 3u);
    EXPECT_EQ(sorted(d3.collect()), std::vector<int>(want.begin(), want.end()));
  }
}

TEST_P(RddWideOps, SortByOrdersByTheKeyAcrossPartitions) {
  for (std::size_t n : kSizes) {
    auto data = ints(n);
    auto rdd = ctx.parallelize(data, GetParam());
    auto key = [](int x) { return (x % 100 + 100) % 100; };
    for (bool asc : {true, false}) {
      for (std::int64_t k : {0, 1, 4}) {
        auto s = rdd.sort_by(key, asc, k);
        if (k > 0) {
          EXPECT_LE(s.num_partitions(), static_cast<std::size_t>(k));
        }
        auto got = s.collect();
        EXPECT_EQ(sorted(got), sorted(data));
        std::vector<int> got_keys, want_keys;
        for (int x : got) got_keys.push_back(key(x));
        for (int x : data) want_keys.push_back(key(x));
        std::sort(want_keys.begin(), want_keys.end());
        if (!asc) std::reverse(want_keys.begin(), want_keys.end());
        EXPECT_EQ(got_keys, want_keys) << "n=" << n << " asc=" << asc << " k=" << k;
      }
    }
  }
}

TEST_P(RddWideOps, IntersectionAndSubtractMatchStdSets) {
  for (std::size_t n : kSizes) {
    auto a = ints(n, 1), b = ints(n / 2 + 2, 2);
    for (auto& x : a) x %= 40;
    for (auto& x : b) x %= 40;
    auto ra = ctx.parallelize(a, GetParam());
    auto rb = ctx.parallelize(b, 3);
    std::set<int> sa(a.begin(), a.end()), sb(b.begin(), b.end());
    std::vector<int> inter, sub;
    std::set_intersection(sa.begin(), sa.end(), sb.begin(), sb.end(), std::back_inserter(inter));
    for (int x : a)
      if (!sb.count(x)) sub.push_back(x);  // Spark's subtract keeps a's duplicates
    EXPECT_EQ(sorted(ra.intersection(rb).collect()), inter) << "n=" << n;
    EXPECT_EQ(sorted(ra.subtract(rb).collect()), sorted(sub)) << "n=" << n;
    EXPECT_TRUE(ra.subtract(ra).collect().empty());
  }
}

TEST_P(RddWideOps, CartesianPairsEveryElement) {
  for (std::size_t n : {0u, 3u, 40u}) {
    auto a = ints(n, 1);
    std::vector<std::string> b{"x", "y", "z", "w", "v"};
    auto c = ctx.parallelize(a, GetParam()).cartesian(ctx.parallelize(b, 3));
    EXPECT_EQ(c.num_partitions(), np() * 3);
    std::vector<std::pair<int, std::string>> want;
    for (int x : a)
      for (const auto& y : b) want.emplace_back(x, y);
    EXPECT_EQ(sorted(c.collect()), sorted(want)) << "n=" << n;
    EXPECT_EQ(c.count(), static_cast<std::int64_t>(n * b.size()));
  }
}

INSTANTIATE_TEST_SUITE_P(Partitions, RddWideOps, ::testing::ValuesIn(kPartitionCounts));

}  // namespace
}  // namespace rill::test

namespace rill::test {
namespace {

// ctx.empty_rdd has no partitions at all: every operator must still work on it.
TEST(RddEmpty, ZeroPartitionRddThroughWideOperators) {
  Context ctx(Config{.parallelism = 2});
  auto e = ctx.empty_rdd<int>();
  EXPECT_EQ(e.num_partitions(), 0u);
  EXPECT_TRUE(e.repartition(3).collect().empty());
  EXPECT_TRUE(e.distinct().collect().empty());
  EXPECT_TRUE(e.sort_by([](int x) { return x; }).collect().empty());
  EXPECT_TRUE(e.intersection(ctx.parallelize(std::vector<int>{1}, 1)).collect().empty());
  EXPECT_EQ(ctx.parallelize(std::vector<int>{1, 1}, 2).subtract(e).collect(),
            (std::vector<int>{1, 1}));
  EXPECT_TRUE(e.cartesian(ctx.parallelize(std::vector<int>{1}, 1)).collect().empty());
  EXPECT_TRUE(e.zip_with_index().collect().empty());
  auto kv = e.map([](int x) { return std::pair<int, int>{x, x}; });
  EXPECT_TRUE(kv.reduce_by_key(std::plus<>{}).collect().empty());
  EXPECT_TRUE(kv.group_by_key().collect().empty());
  EXPECT_TRUE(kv.sort_by_key(false).collect().empty());
  EXPECT_TRUE(kv.join(kv).collect().empty());
  EXPECT_TRUE(kv.count_by_key().empty());
  EXPECT_TRUE(e.take_ordered(2).empty());
  EXPECT_EQ(e.union_with(ctx.parallelize(std::vector<int>{4}, 1)).collect(), std::vector<int>{4});
}

}  // namespace
}  // namespace rill::test
