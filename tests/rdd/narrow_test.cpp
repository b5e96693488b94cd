#include <gtest/gtest.h>

#include <rill/rill.hpp>

#include "rdd/reference.hpp"

namespace rill::test {
namespace {

class NarrowTest : public ::testing::TestWithParam<std::int64_t> {
 protected:
  Context ctx{Config{.parallelism = 2}};
};

TEST_P(NarrowTest, MapFilterFlatMapMatchSerialLoop) {
  for (std::size_t n : {0u, 1u, 5u, 1000u}) {
    auto data = ints(n);
    auto got =
        ctx.parallelize(data, GetParam())
            .map([](int x) { return x * 3; })
            .filter([](int x) { return x % 2 == 0; })
            .flat_map([](int x) { return std::vector<int>(static_cast<std::size_t>(x & 3), x); })
            .collect();
    std::vector<int> want;
    for (int x : data) {
      int y = x * 3;
      if (y % 2 != 0) continue;
      for (int k = 0; k < (y & 3); ++k) want.push_back(y);
    }
    EXPECT_EQ(got, want) << "n=" << n;
  }
}

TEST_P(NarrowTest, ParallelizeCutsContiguousSlices) {
  std::vector<int> data(10);
  for (int i = 0; i < 10; ++i) data[static_cast<std::size_t>(i)] = i;
  auto parts = ctx.parallelize(data, GetParam()).glom().collect();
  ASSERT_EQ(parts.size(), static_cast<std::size_t>(GetParam()));
  const std::size_t n = parts.size();
  for (std::size_t i = 0; i < n; ++i) {
    std::vector<int> want(data.begin() + static_cast<long>(i * 10 / n),
                          data.begin() + static_cast<long>((i + 1) * 10 / n));
    EXPECT_EQ(parts[i], want) << "slice " << i;
  }
}

TEST_P(NarrowTest, RangeCountAndSum) {
  auto r = ctx.range(-50, 1000, GetParam());
  EXPECT_EQ(r.count(), 1050);
  std::int64_t want = 0;
  for (std::int64_t i = -50; i < 1000; ++i) want += i;
  EXPECT_EQ(r.reduce(std::plus<>{}), want);
  EXPECT_EQ(r.num_partitions(), static_cast<std::size_t>(GetParam()));
}

INSTANTIATE_TEST_SUITE_P(Partitions, NarrowTest, ::testing::ValuesIn(kPartitionCounts));

TEST(NarrowErrors, ZeroOrNegativePartitionsAreRejected) {
  Context ctx(Config{.parallelism = 2});
  EXPECT_THROW(ctx.parallelize(std::vector<int>{1, 2}, 0), std::invalid_argument);
  EXPECT_THROW(ctx.range(0, 10, -1), std::invalid_argument);
  try {
    ctx.parallelize(std::vector<int>{1}, 0);
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("got 0"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace rill::test
