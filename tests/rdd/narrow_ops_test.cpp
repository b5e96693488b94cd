// Narrow operators against serial references: map_partitions(_with_index), key_by,
// union_with, sample, glom, zip_with_index, coalesce; 1, 2, 7 and 64 partitions each.
#include <gtest/gtest.h>

#include <rill/rill.hpp>
#include <set>

#include "rdd/reference.hpp"

namespace rill::test {
namespace {

class RddNarrowOps : public ::testing::TestWithParam<std::int64_t> {
 protected:
  Context ctx{Config{.parallelism = 2}};
  std::size_t np() const { return static_cast<std::size_t>(GetParam()); }
};

TEST_P(RddNarrowOps, MapPartitionsSeesEachSliceWhole) {
  for (std::size_t n : kSizes) {
    auto data = ints(n);
    auto got = ctx.parallelize(data, GetParam())
                   .map_partitions([](std::vector<int> v) {
                     long s = 0;
                     for (int x : v) s += x;
                     return std::vector<long>{s, static_cast<long>(v.size())};
                   })
                   .collect();
    std::vector<long> want;
    for (const auto& sl : slices(data, np())) {
      long s = 0;
      for (int x : sl) s += x;
      want.push_back(s);
      want.push_back(static_cast<long>(sl.size()));
    }
    EXPECT_EQ(got, want) << "n=" << n;
  }
}

TEST_P(RddNarrowOps, MapPartitionsWithIndexGetsThePartitionIndex) {
  for (std::size_t n : kSizes) {
    auto data = ints(n);
    auto got = ctx.parallelize(data, GetParam())
                   .map_partitions_with_index([](std::size_t i, const std::vector<int>& v) {
                     std::vector<std::pair<std::size_t, int>> out;
                     for (int x : v) out.emplace_back(i, x);
                     return out;
                   })
                   .collect();
    std::vector<std::pair<std::size_t, int>> want;
    auto sl = slices(data, np());
    for (std::size_t i = 0; i < sl.size(); ++i)
      for (int x : sl[i]) want.emplace_back(i, x);
    EXPECT_EQ(got, want) << "n=" << n;
  }
}

TEST_P(RddNarrowOps, KeyByAndGlom) {
  for (std::size_t n : kSizes) {
    auto data = ints(n);
    auto rdd = ctx.parallelize(data, GetParam());
    std::vector<std::pair<int, int>> want;
    for (int x : data) want.emplace_back(x % 10, x);
    EXPECT_EQ(rdd.key_by([](int x) { return x % 10; }).collect(), want);
    EXPECT_EQ(rdd.glom().collect(), slices(data, np())) << "n=" << n;
  }
}

TEST_P(RddNarrowOps, UnionWithConcatenatesPartitions) {
  for (std::size_t n : kSizes) {
    auto a = ints(n, 1), b = ints(5, 2);
    auto ra = ctx.parallelize(a, GetParam());
    auto u = ra.union_with(ctx.parallelize(b, 3));
    auto want = a;
    want.insert(want.end(), b.begin(), b.end());
    EXPECT_EQ(u.collect(), want);
    EXPECT_EQ(u.num_partitions(), np() + 3);
    auto self = ra.union_with(ra).collect();
    auto want2 = a;
    want2.insert(want2.end(), a.begin(), a.end());
    EXPECT_EQ(self, want2);
  }
}

TEST_P(RddNarrowOps, SampleWithoutReplacementIsAnOrderedSubsetOfRoughlyTheRightSize) {
  std::vector<int> data(20000);
  for (int i = 0; i < 20000; ++i) data[static_cast<std::size_t>(i)] = i;
  auto rdd = ctx.parallelize(data, GetParam());
  auto s = rdd.sample(false, 0.3, 11).collect();
  EXPECT_TRUE(std::is_sorted(s.begin(), s.end()));
  EXPECT_EQ(std::adjacent_find(s.begin(), s.end()), s.end()) << "an element was drawn twice";
  // mean 6000, sd ~65: 6000 +- 400 is > 6 sd.
  EXPECT_NEAR(static_cast<double>(s.size()), 6000.0, 400.0);
  EXPECT_EQ(rdd.sample(false, 0.3, 11).collect(), s) << "same seed, same sample";
  EXPECT_NE(rdd.sample(false, 0.3, 12).collect(), s) << "another seed, another sample";
  EXPECT_TRUE(rdd.sample(false, 0.0, 1).collect().empty());
  EXPECT_EQ(rdd.sample(false, 1.0, 1).collect(), data);
}

TEST_P(RddNarrowOps, SampleWithReplacementDrawsAboutFractionTimesEachElement) {
  std::vector<int> data(10000);
  for (int i = 0; i < 10000; ++i) data[static_cast<std::size_t>(i)] = i;
  auto rdd = ctx.parallelize(data, GetParam());
  auto s = rdd.sample(true, 2.0, 5).collect();
  // Poisson(2) per element: mean 20000, sd ~141.
  EXPECT_NEAR(static_cast<double>(s.size()), 20000.0, 1000.0);
  EXPECT_TRUE(std::is_sorted(s.begin(), s.end()));
  EXPECT_NE(std::adjacent_find(s.begin(), s.end()), s.end()) << "with replacement repeats elements";
  EXPECT_EQ(rdd.sample(true, 2.0, 5).collect(), s);
  auto small = rdd.sample(true, 0.1, 5).collect();
  EXPECT_NEAR(static_cast<double>(small.size()), 1000.0, 200.0);
  // Spark accepts fraction 0 with replacement: nothing is drawn.
  EXPECT_TRUE(rdd.sample(true, 0.0, 5).collect().empty());
}

TEST_P(RddNarrowOps, ZipWithIndexNumbersInCollectOrder) {
  for (std::size_t n : kSizes) {
    auto data = ints(n);
    auto got = ctx.parallelize(data, GetParam())
                   .filter([](int x) { return x % 3 != 0; })
                   .zip_with_index()
                   .collect();
    std::vector<std::pair<int, std::int64_t>> want;
    for (int x : data)
      if (x % 3 != 0) want.emplace_back(x, static_cast<std::int64_t>(want.size()));
    EXPECT_EQ(got, want) << "n=" << n;
  }
}

TEST_P(RddNarrowOps, CoalesceMergesContiguousPartitionsAndKeepsOrder) {
  for (std::size_t n : kSizes) {
    auto data = ints(n);
    auto rdd = ctx.parallelize(data, GetParam());
    for (std::int64_t k : {1, 3, 1000}) {
      auto c = rdd.coalesce(k);
      EXPECT_EQ(c.num_partitions(), std::min<std::size_t>(static_cast<std::size_t>(k), np()));
      EXPECT_EQ(c.collect(), data) << "n=" << n << " k=" << k;
      std::size_t total = 0;
      for (const auto& part : c.glom().collect()) total += part.size();
      EXPECT_EQ(total, n);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Partitions, RddNarrowOps, ::testing::ValuesIn(kPartitionCounts));

TEST(RddNarrowErrors, SampleFractionOutOfBoundsThrows) {
  Context ctx(Config{.parallelism = 2});
  auto rdd = ctx.parallelize(std::vector<int>{1, 2, 3}, 2);
  EXPECT_THROW(rdd.sample(false, 1.5), std::invalid_argument);
  EXPECT_THROW(rdd.sample(false, -0.1), std::invalid_argument);
  EXPECT_THROW(rdd.sample(true, -1.0), std::invalid_argument);
  EXPECT_NO_THROW(rdd.sample(true, 3.0));
}

TEST(RddNarrowErrors, SourcesRejectNonPositiveCountsWithTheValue) {
  Context ctx(Config{.parallelism = 2});
  for (std::int64_t bad : {0, -5}) {
    try {
      ctx.parallelize(std::vector<int>{1, 2}, bad);
      ADD_FAILURE() << "parallelize " << bad;
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(std::to_string(bad)), std::string::npos) << e.what();
    }
    try {
      ctx.range(0, 10, bad);
      ADD_FAILURE() << "range " << bad;
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(std::to_string(bad)), std::string::npos) << e.what();
    }
  }
  EXPECT_EQ(ctx.range(10, 0, 3).count(), 0) << "an empty range is empty, not an error";
}

TEST(RddNarrowErrors, CoalesceAndRepartitionRejectNonPositiveCounts) {
  Context ctx(Config{.parallelism = 2});
  auto rdd = ctx.parallelize(std::vector<int>{1, 2, 3}, 2);
  EXPECT_THROW(rdd.coalesce(0), std::invalid_argument);
  EXPECT_THROW(rdd.coalesce(-2), std::invalid_argument);
  EXPECT_THROW(rdd.repartition(0), std::invalid_argument);
  try {
    rdd.repartition(-3);
    ADD_FAILURE() << "repartition(-3) did not throw";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("-3"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace rill::test
