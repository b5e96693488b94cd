// Joins and driver-side map actions against serial references: join, the outer joins
// (std::optional for the missing side), cogroup, count_by_key, lookup, collect_as_map.
#include <gtest/gtest.h>

#include <optional>
#include <rill/rill.hpp>
#include <set>

#include "rdd/reference.hpp"

namespace rill::test {
namespace {

using KV = std::pair<int, int>;
using KS = std::pair<int, std::string>;
using OptI = std::optional<int>;
using OptS = std::optional<std::string>;

class RddPairJoins : public ::testing::TestWithParam<std::int64_t> {
 protected:
  Context ctx{Config{.parallelism = 2}};
  // (left, right) inputs: both empty, one empty, few keys, skewed overlapping keys.
  static std::vector<std::pair<std::vector<KV>, std::vector<KS>>> inputs() {
    std::vector<KS> right;
    for (auto [k, v] : skewed_pairs(300, 30, 9))
      right.emplace_back(k + 20, std::to_string(v));  // 0 and 21..50
    return {{{}, {}},
            {{{1, 1}, {2, 2}}, {}},
            {{}, {{1, "a"}}},
            {{{1, 1}, {1, 2}, {3, 3}}, {{1, "a"}, {1, "b"}, {2, "c"}}},
            {skewed_pairs(400, 40), right}};
  }
};

template <class T>
std::vector<T> ref_sorted(std::vector<T> v) {
  std::sort(v.begin(), v.end());
  return v;
}

TEST_P(RddPairJoins, InnerAndOuterJoinsMatchNestedLoops) {
  for (const auto& [l, r] : inputs()) {
    auto a = ctx.parallelize(l, GetParam());
    auto b = ctx.parallelize(r, 3);
    std::set<int> lk, rk;
    for (auto& kv : l) lk.insert(kv.first);
    for (auto& kv : r) rk.insert(kv.first);
    std::vector<std::pair<int, std::pair<int, std::string>>> inner;
    std::vector<std::pair<int, std::pair<int, OptS>>> left;
    std::vector<std::pair<int, std::pair<OptI, std::string>>> right;
    std::vector<std::pair<int, std::pair<OptI, OptS>>> full;
    for (auto& [k, v] : l)
      for (auto& [k2, w] : r)
        if (k == k2) {
          inner.push_back({k, {v, w}});
          left.push_back({k, {v, w}});
          right.push_back({k, {v, w}});
          full.push_back({k, {v, w}});
        }
    for (auto& [k, v] : l)
      if (!rk.count(k)) {
        left.push_back({k, {v, std::nullopt}});
        full.push_back({k, {v, std::nullopt}});
      }
    for (auto& [k, w] : r)
      if (!lk.count(k)) {
        right.push_back({k, {std::nullopt, w}});
        full.push_back({k, {std::nullopt, w}});
      }
    EXPECT_EQ(sorted(a.join(b).collect()), ref_sorted(inner));
    EXPECT_EQ(sorted(a.left_outer_join(b).collect()), ref_sorted(left));
    EXPECT_EQ(sorted(a.right_outer_join(b).collect()), ref_sorted(right));
    EXPECT_EQ(sorted(a.full_outer_join(b).collect()), ref_sorted(full));
    auto j5 = a.join(b, 5);
    EXPECT_EQ(j5.num_partitions(), 5u);
    EXPECT_EQ(sorted(j5.collect()), ref_sorted(inner));
  }
}

TEST_P(RddPairJoins, CogroupGroupsBothSides) {
  for (const auto& [l, r] : inputs()) {
    std::map<int, std::pair<std::vector<int>, std::vector<std::string>>> want;
    for (auto& [k, v] : l) want[k].first.push_back(v);
    for (auto& [k, w] : r) want[k].second.push_back(w);
    for (auto& [k, g] : want) g = {sorted(g.first), sorted(g.second)};
    auto got = ctx.parallelize(l, GetParam()).cogroup(ctx.parallelize(r, 2)).collect();
    std::map<int, std::pair<std::vector<int>, std::vector<std::string>>> got_map;
    for (auto& [k, g] : got) {
      EXPECT_TRUE(got_map.emplace(k, std::pair{sorted(g.first), sorted(g.second)}).second)
          << "key " << k << " twice";
    }
    EXPECT_EQ(got_map, want);
  }
}

TEST_P(RddPairJoins, CountByKeyLookupCollectAsMap) {
  auto data = skewed_pairs(500, 20);
  auto rdd = ctx.parallelize(data, GetParam());
  std::map<int, std::int64_t> counts;
  for (auto [k, v] : data) ++counts[k];
  EXPECT_EQ(rdd.count_by_key(), counts);
  for (int key : {0, 3, 999}) {
    std::vector<int> want;
    for (auto [k, v] : data)
      if (k == key) want.push_back(v);
    EXPECT_EQ(sorted(rdd.lookup(key)), sorted(want)) << "key " << key;
    // With a partitioner only the key's partition is scanned; the answer is the same.
    auto hashed = rdd.partition_by(HashPartitioner(4));
    EXPECT_EQ(sorted(hashed.lookup(key)), sorted(want)) << "key " << key;
    if (key == 0) {
      EXPECT_EQ(ctx.last_job_metrics().stages.back().tasks.size(), 1u);
    }
  }
  // collect_as_map on unique keys
  std::vector<KS> uniq;
  std::map<int, std::string> want_map;
  for (int i = 0; i < 50; ++i) {
    uniq.emplace_back(i * 3, "v" + std::to_string(i));
    want_map[i * 3] = "v" + std::to_string(i);
  }
  EXPECT_EQ(ctx.parallelize(uniq, GetParam()).collect_as_map(), want_map);
  EXPECT_TRUE(ctx.parallelize(std::vector<KS>{}, GetParam()).collect_as_map().empty());
  EXPECT_TRUE(ctx.parallelize(std::vector<KV>{}, GetParam()).count_by_key().empty());
}

TEST_P(RddPairJoins, SelfJoinAndLookupOnRangePartitionedRdds) {
  auto data = skewed_pairs(300, 25);
  auto rdd = ctx.parallelize(data, GetParam());
  std::size_t want = 0;
  std::map<int, std::size_t> per_key;
  for (auto [k, v] : data) ++per_key[k];
  for (auto [k, c] : per_key) want += c * c;
  EXPECT_EQ(rdd.join(rdd).count(), static_cast<std::int64_t>(want));
  for (bool asc : {true, false}) {
    auto s = rdd.sort_by_key(asc, 4);  // partitioned by a RangePartitioner
    ASSERT_TRUE(s.partitioner());
    for (int key : {0, 1, 12, 25, 26}) {
      std::vector<int> vs;
      for (auto [k, v] : data)
        if (k == key) vs.push_back(v);
      EXPECT_EQ(sorted(s.lookup(key)), sorted(vs)) << "asc=" << asc << " key=" << key;
    }
    // Joining with an RDD that has the same range partitioner needs no shuffle of it.
    auto again = s.map_values([](int v) { return v + 1; });
    const auto before = ctx.shuffle_stages_run();
    EXPECT_EQ(s.join(again).count(), static_cast<std::int64_t>(want));
    EXPECT_EQ(ctx.shuffle_stages_run(), before);
  }
}

INSTANTIATE_TEST_SUITE_P(Partitions, RddPairJoins, ::testing::ValuesIn(kPartitionCounts));

}  // namespace
}  // namespace rill::test
