// Pair operations against serial references: map_values, flat_map_values, keys, values,
// the combine_by_key family, group_by_key, sort_by_key and partition_by, on skewed keys.
#include <gtest/gtest.h>

#include <limits>
#include <optional>
#include <rill/rill.hpp>
#include <set>

#include "rdd/reference.hpp"

namespace rill::test {
namespace {

using KV = std::pair<int, int>;

class RddPairOps : public ::testing::TestWithParam<std::int64_t> {
 protected:
  Context ctx{Config{.parallelism = 2}};
  std::size_t np() const { return static_cast<std::size_t>(GetParam()); }
  // Empty, fewer pairs than partitions, and skewed keys (half of them key 0).
  static std::vector<std::vector<KV>> inputs() {
    return {{}, {{1, 10}, {2, 20}, {1, 11}}, skewed_pairs(3000, 40)};
  }
};

TEST_P(RddPairOps, MapValuesFlatMapValuesKeysValues) {
  for (const auto& data : inputs()) {
    auto rdd = ctx.parallelize(data, GetParam());
    std::vector<std::pair<int, std::string>> mv;
    std::vector<KV> fmv;
    std::vector<int> ks, vs;
    for (auto [k, v] : data) {
      mv.emplace_back(k, std::to_string(v));
      for (int i = 0; i < (v & 3); ++i) fmv.emplace_back(k, v + i);
      ks.push_back(k);
      vs.push_back(v);
    }
    EXPECT_EQ(rdd.map_values([](int v) { return std::to_string(v); }).collect(), mv);
    EXPECT_EQ(rdd.flat_map_values([](int v) {
                   std::vector<int> out;
                   for (int i = 0; i < (v & 3); ++i) out.push_back(v + i);
                   return out;
                 })
                  .collect(),
              fmv);
    EXPECT_EQ(rdd.keys().collect(), ks);
    EXPECT_EQ(rdd.values().collect(), vs);
  }
}

TEST_P(RddPairOps, ReduceFoldAggregateCombineByKey) {
  for (const auto& data : inputs()) {
    auto rdd =
        ctx.parallelize(data, GetParam()).map_values([](int v) { return static_cast<long>(v); });
    auto want = sums(data);
    EXPECT_EQ(as_map(rdd.reduce_by_key(std::plus<>{}).collect()), want);
    for (std::int64_t n : {1, 3, 64}) {
      auto r = rdd.reduce_by_key(std::plus<>{}, n);
      EXPECT_EQ(r.num_partitions(), static_cast<std::size_t>(n));
      EXPECT_EQ(as_map(r.collect()), want);
    }
    EXPECT_EQ(as_map(rdd.fold_by_key(0L, std::plus<>{}).collect()), want);
    // aggregate_by_key to (sum, count)
    using SC = std::pair<long, int>;
    auto agg = rdd.aggregate_by_key(
                      SC{0, 0},
                      [](SC a, long v) {
                        return SC{a.first + v, a.second + 1};
                      },
                      [](SC a, SC b) {
                        return SC{a.first + b.first, a.second + b.second};
                      })
                   .collect();
    std::map<int, SC> want_agg;
    for (auto [k, v] : data) {
      want_agg[k].first += v;
      ++want_agg[k].second;
    }
    EXPECT_EQ(as_map(agg), want_agg);
    // combine_by_key into a sorted list of values
    auto comb = rdd.combine_by_key([](long v) { return std::vector<long>{v}; },
                                   [](std::vector<long> c, long v) {
                                     c.push_back(v);
                                     return c;
                                   },
                                   [](std::vector<long> a, std::vector<long> b) {
                                     a.insert(a.end(), b.begin(), b.end());
                                     return a;
                                   })
                    .map_values([](std::vector<long> c) { return sorted(std::move(c)); })
                    .collect();
    std::map<int, std::vector<long>> want_comb;
    for (auto [k, v] : data) want_comb[k].push_back(v);
    for (auto& [k, c] : want_comb) c = sorted(c);
    EXPECT_EQ(as_map(comb), want_comb);
  }
}

TEST_P(RddPairOps, FoldByKeyUsesTheZeroOncePerKeyPerPartition) {
  // Spark semantics: the zero value seeds each key in each map partition.
  std::vector<KV> data;
  for (int i = 0; i < 100; ++i) data.emplace_back(i % 5, 1);
  auto got = as_map(ctx.parallelize(data, GetParam()).fold_by_key(100, std::plus<>{}).collect());
  std::map<int, int> want;
  for (const auto& sl : slices(data, np())) {
    std::set<int> keys;
    for (auto [k, v] : sl) {
      want[k] += v;
      keys.insert(k);
    }
    for (int k : keys) want[k] += 100;
  }
  EXPECT_EQ(got, want);
}

TEST_P(RddPairOps, GroupByKeyCollectsAllValues) {
  for (const auto& data : inputs()) {
    std::map<int, std::vector<int>> want;
    for (auto [k, v] : data) want[k].push_back(v);
    for (auto& [k, g] : want) g = sorted(g);
    for (std::int64_t n : {0, 5}) {
      auto g = ctx.parallelize(data, GetParam()).group_by_key(n);
      if (n > 0) {
        EXPECT_EQ(g.num_partitions(), static_cast<std::size_t>(n));
      }
      auto got = g.map_values([](std::vector<int> vs) { return sorted(std::move(vs)); }).collect();
      EXPECT_EQ(as_map(got), want);
    }
  }
}

TEST_P(RddPairOps, SortByKeyOrdersWithinAndAcrossPartitions) {
  for (const auto& data : inputs()) {
    auto rdd = ctx.parallelize(data, GetParam());
    for (bool asc : {true, false}) {
      for (std::int64_t n : {0, 1, 3, 16}) {
        auto s = rdd.sort_by_key(asc, n);
        auto got = s.collect();
        std::vector<int> got_keys, want_keys;
        for (auto [k, v] : got) got_keys.push_back(k);
        for (auto [k, v] : data) want_keys.push_back(k);
        std::sort(want_keys.begin(), want_keys.end());
        if (!asc) std::reverse(want_keys.begin(), want_keys.end());
        EXPECT_EQ(got_keys, want_keys) << "asc=" << asc << " n=" << n;
        EXPECT_EQ(sorted(got), sorted(data));
        // Each partition is a key range, ordered, and the ranges follow one another.
        auto parts = s.glom().collect();
        std::optional<int> prev;
        for (const auto& p : parts) {
          for (auto [k, v] : p) {
            if (prev) {
              EXPECT_TRUE(asc ? *prev <= k : *prev >= k) << "asc=" << asc << " n=" << n;
            }
            prev = k;
          }
        }
        if (n > 0) {
          EXPECT_LE(s.num_partitions(), static_cast<std::size_t>(n));
        }
      }
    }
  }
}

TEST_P(RddPairOps, PartitionByHashPutsEachKeyWhereThePartitionerSays) {
  for (const auto& data : inputs()) {
    for (std::size_t n : {1u, 4u, 9u}) {
      HashPartitioner hp(n);
      auto p = ctx.parallelize(data, GetParam()).partition_by(hp);
      ASSERT_EQ(p.num_partitions(), n);
      ASSERT_TRUE(p.partitioner());
      EXPECT_TRUE(p.partitioner()->equals(hp));
      auto parts = p.glom().collect();
      std::vector<KV> all;
      for (std::size_t i = 0; i < parts.size(); ++i)
        for (auto kv : parts[i]) {
          EXPECT_EQ(hp.partition(kv.first), i);
          all.push_back(kv);
        }
      EXPECT_EQ(sorted(all), sorted(data));
    }
  }
}

TEST_P(RddPairOps, PartitionByRangeGivesOrderedKeyRanges) {
  auto data = skewed_pairs(3000, 40);
  auto rdd = ctx.parallelize(data, GetParam());
  RangePartitioner rp(4, rdd);
  EXPECT_LE(rp.num_partitions(), 4u);
  auto parts = rdd.partition_by(rp).glom().collect();
  ASSERT_EQ(parts.size(), rp.num_partitions());
  std::vector<KV> all;
  int prev_max = std::numeric_limits<int>::min();
  for (std::size_t i = 0; i < parts.size(); ++i) {
    int lo = std::numeric_limits<int>::max(), hi = std::numeric_limits<int>::min();
    for (auto kv : parts[i]) {
      EXPECT_EQ(rp.partition(kv.first), i);
      lo = std::min(lo, kv.first);
      hi = std::max(hi, kv.first);
      all.push_back(kv);
    }
    if (!parts[i].empty()) {
      EXPECT_GT(lo, prev_max) << "partition " << i;
      prev_max = hi;
    }
  }
  EXPECT_EQ(sorted(all), sorted(data));
}

TEST_P(RddPairOps, StringKeysWordCountAndGroups) {
  // Non-trivial keys: moved-from or aliased strings in hash tables would show here.
  std::vector<std::string> words;
  for (auto [k, v] : skewed_pairs(4000, 300, 5))
    words.push_back(std::string(static_cast<std::size_t>(k % 7) * 5, 'x') + "w" +
                    std::to_string(k));
  auto pairs = ctx.parallelize(words, GetParam()).map([](const std::string& w) {
    return std::pair<std::string, long>{w, 1};
  });
  std::map<std::string, long> want;
  for (const auto& w : words) ++want[w];
  EXPECT_EQ(as_map(pairs.reduce_by_key(std::plus<>{}).collect()), want);
  EXPECT_EQ(as_map(pairs.reduce_by_key(std::plus<>{}, 3).collect()), want);
  EXPECT_EQ(as_map(pairs.fold_by_key(0L, std::plus<>{}, 5).collect()), want);
  auto grouped =
      as_map(pairs.group_by_key(4)
                 .map_values([](const std::vector<long>& g) { return static_cast<long>(g.size()); })
                 .collect());
  EXPECT_EQ(grouped, want);
  auto sorted_keys = pairs.reduce_by_key(std::plus<>{}).sort_by_key(true, 4).keys().collect();
  std::vector<std::string> want_keys;
  for (const auto& [k, c] : want) want_keys.push_back(k);
  EXPECT_EQ(sorted_keys, want_keys);
  std::map<std::string, std::int64_t> want_counts(want.begin(), want.end());
  EXPECT_EQ(ctx.parallelize(words, GetParam()).count_by_value(), want_counts);
  EXPECT_EQ(sorted(ctx.parallelize(words, GetParam()).distinct().collect()), want_keys);
}

INSTANTIATE_TEST_SUITE_P(Partitions, RddPairOps, ::testing::ValuesIn(kPartitionCounts));

TEST(RddPairErrors, BadPartitionCountsAreRejectedWithTheValue) {
  Context ctx(Config{.parallelism = 2});
  auto rdd = ctx.parallelize(std::vector<KV>{{1, 2}, {3, 4}}, 2);
  EXPECT_NO_THROW(rdd.reduce_by_key(std::plus<>{}, 0).collect());  // 0 = default
  EXPECT_THROW(rdd.reduce_by_key(std::plus<>{}, -1), std::invalid_argument);
  EXPECT_THROW(rdd.group_by_key(-1), std::invalid_argument);
  EXPECT_THROW(rdd.sort_by_key(true, -1), std::invalid_argument);
  EXPECT_THROW(rdd.join(rdd, -1), std::invalid_argument);
  try {
    HashPartitioner bad(0);
    ADD_FAILURE() << "HashPartitioner(0) did not throw";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find('0'), std::string::npos) << e.what();
  }
  try {
    HashPartitioner bad(-1);  // a negative count converted to size_t must not pass as huge
    ADD_FAILURE() << "HashPartitioner(-1) did not throw";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("-1"), std::string::npos) << e.what();
  }
  try {
    rdd.reduce_by_key(std::plus<>{}, -7);
    ADD_FAILURE();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("-7"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace rill::test
