// BlockGenerator and BlockRdd: what a receiver stores comes out as blocks of chunks, all
// records in arrival order, and a released BlockRdd refuses to compute instead of
// silently returning nothing.
#include <gtest/gtest.h>

#include <rill/rill.hpp>

#include "stream_test_support.hpp"

namespace rill::test {
namespace {

template <class T>
std::vector<T> flatten(const std::vector<std::vector<std::vector<T>>>& blocks) {
  std::vector<T> out;
  for (const auto& b : blocks)
    for (const auto& c : b) out.insert(out.end(), c.begin(), c.end());
  return out;
}

TEST(BlockGenerator, KeepsArrivalOrderAcrossSinglesSmallAndLargeVectors) {
  detail::BlockGenerator<int> gen;
  std::vector<int> want;
  int next = 0;
  auto batch = [&](std::size_t n) {
    std::vector<int> v(n);
    for (auto& x : v) want.push_back(x = next++);
    return v;
  };
  auto single = [&] {
    want.push_back(next);
    return next++;
  };
  gen.add(single());
  gen.add(batch(3));     // small: gathered into the open chunk
  gen.add(batch(5000));  // large: its own chunk
  gen.add(single());
  gen.add(batch(0));
  for (int i = 0; i < 3000; ++i) gen.add(single());
  auto blocks = gen.take_blocks();
  ASSERT_EQ(blocks.size(), 1u);
  EXPECT_EQ(flatten(blocks), want);
  // Gathered chunks stay bounded; the large vector was kept whole.
  std::size_t largest = 0;
  for (const auto& c : blocks[0]) largest = std::max(largest, c.size());
  EXPECT_EQ(largest, 5000u);
  EXPECT_LE(blocks[0].size(), 8u);
  EXPECT_FALSE(gen.has_data());
  EXPECT_TRUE(gen.take_blocks().empty());
}

TEST(BlockRdd, ComputesItsBlocksAsPartitionsAndRefusesOnceReleased) {
  Context ctx(Config{.parallelism = 2});
  std::vector<detail::BlockRdd<int>::Block> blocks{{{1, 2}, {3}}, {}, {{4}, {5, 6}}};
  auto node = std::make_shared<detail::BlockRdd<int>>(ctx.state(), blocks, "test");
  Rdd<int> rdd(node);
  EXPECT_EQ(rdd.num_partitions(), 3u);
  EXPECT_EQ(rdd.collect(), (std::vector<int>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(rdd.glom().collect(), (std::vector<std::vector<int>>{{1, 2, 3}, {}, {4, 5, 6}}));
  node->release();
  try {
    rdd.count();
    FAIL() << "a released BlockRdd computed";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("released"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace rill::test
