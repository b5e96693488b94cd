// Actions against serial references: collect, count, reduce, fold, aggregate, take,
// first, top, take_ordered, count_by_value, foreach, foreach_partition, save_as_text_file.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <numeric>
#include <rill/rill.hpp>

#include "rdd/reference.hpp"

namespace rill::test {
namespace {

namespace fs = std::filesystem;

class RddActions : public ::testing::TestWithParam<std::int64_t> {
 protected:
  Context ctx{Config{.parallelism = 2}};
  std::size_t np() const { return static_cast<std::size_t>(GetParam()); }
};

TEST_P(RddActions, CollectCountReduceFoldAggregate) {
  for (std::size_t n : kSizes) {
    auto data = ints(n);
    auto rdd = ctx.parallelize(data, GetParam());
    EXPECT_EQ(rdd.collect(), data);
    EXPECT_EQ(rdd.count(), static_cast<std::int64_t>(n));
    const long sum = std::accumulate(data.begin(), data.end(), 0L);
    EXPECT_EQ(rdd.fold(0, std::plus<>{}), sum);
    // Spark's fold: the zero value is applied once per partition and once on the driver.
    EXPECT_EQ(rdd.fold(1, std::plus<>{}), sum + static_cast<long>(np()) + 1);
    auto [s, c] = rdd.aggregate(
        std::pair<long, long>{0, 0},
        [](std::pair<long, long> acc, int x) {
          return std::pair<long, long>{acc.first + x, acc.second + 1};
        },
        [](std::pair<long, long> a, std::pair<long, long> b) {
          return std::pair<long, long>{a.first + b.first, a.second + b.second};
        });
    EXPECT_EQ(s, sum);
    EXPECT_EQ(c, static_cast<long>(n));
    if (n == 0) continue;
    EXPECT_EQ(rdd.reduce(std::plus<>{}), sum);
    EXPECT_EQ(rdd.reduce([](int a, int b) { return std::max(a, b); }),
              *std::max_element(data.begin(), data.end()));
  }
}

TEST_P(RddActions, TakeFirstTopTakeOrdered) {
  for (std::size_t n : kSizes) {
    auto data = ints(n);
    auto rdd = ctx.parallelize(data, GetParam());
    for (std::int64_t k : {0, 1, 5, 2000}) {
      const auto m = std::min<std::size_t>(static_cast<std::size_t>(k), n);
      EXPECT_EQ(rdd.take(k), std::vector<int>(data.begin(), data.begin() + static_cast<long>(m)));
      auto asc = sorted(data);
      EXPECT_EQ(rdd.take_ordered(k),
                std::vector<int>(asc.begin(), asc.begin() + static_cast<long>(m)));
      std::vector<int> desc(asc.rbegin(), asc.rend());
      EXPECT_EQ(rdd.top(k), std::vector<int>(desc.begin(), desc.begin() + static_cast<long>(m)));
      // A custom order: by absolute value, ties by value, so the answer is unique.
      auto by_abs = [](int a, int b) {
        return std::abs(a) != std::abs(b) ? std::abs(a) < std::abs(b) : a < b;
      };
      auto abs_sorted = data;
      std::sort(abs_sorted.begin(), abs_sorted.end(), by_abs);
      EXPECT_EQ(rdd.take_ordered(k, by_abs),
                std::vector<int>(abs_sorted.begin(), abs_sorted.begin() + static_cast<long>(m)));
      std::vector<int> abs_desc(abs_sorted.rbegin(), abs_sorted.rend());
      EXPECT_EQ(rdd.top(k, by_abs),
                std::vector<int>(abs_desc.begin(), abs_desc.begin() + static_cast<long>(m)));
    }
    if (n > 0) {
      EXPECT_EQ(rdd.first(), data.front());
    }
  }
}

TEST_P(RddActions, TakeStopsEarlyOnLaterPartitionsWhenEnoughFound) {
  // Only the first elements are needed; partitions beyond the first rounds are not computed.
  std::atomic<int> seen{0};
  auto rdd = ctx.range(0, 6400, GetParam()).map([&](std::int64_t x) {
    ++seen;
    return x;
  });
  EXPECT_EQ(rdd.take(3), (std::vector<std::int64_t>{0, 1, 2}));
  EXPECT_LE(seen.load(), 6400 / GetParam() * 5 + 5);
}

TEST_P(RddActions, CountByValueForeachForeachPartition) {
  for (std::size_t n : kSizes) {
    auto data = ints(n);
    for (auto& x : data) x %= 7;
    auto rdd = ctx.parallelize(data, GetParam());
    std::map<int, std::int64_t> want;
    for (int x : data) ++want[x];
    EXPECT_EQ(rdd.count_by_value(), want);

    std::atomic<long> sum{0};
    std::atomic<int> calls{0};
    rdd.foreach ([&](int x) {
      sum += x;
      ++calls;
    });
    EXPECT_EQ(sum.load(), std::accumulate(data.begin(), data.end(), 0L));
    EXPECT_EQ(calls.load(), static_cast<int>(n));

    std::mutex m;
    std::vector<std::vector<int>> parts;
    rdd.foreach_partition([&](const std::vector<int>& p) {
      std::lock_guard lock(m);
      parts.push_back(p);
    });
    EXPECT_EQ(parts.size(), np());
    EXPECT_EQ(sorted(parts), sorted(slices(data, np())));
  }
}

std::string read_all(const fs::path& p) {
  std::ifstream is(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(is), {});
}

TEST_P(RddActions, SaveAsTextFileWritesOnePartFilePerPartition) {
  std::vector<std::pair<std::string, int>> data;
  for (int i = 0; i < 20; ++i) data.emplace_back("k" + std::to_string(i % 4), i);
  auto dir = fresh_dir("pairs" + std::to_string(GetParam()));
  ctx.parallelize(data, GetParam()).save_as_text_file(dir.string());
  auto sl = slices(data, np());
  std::size_t part_files = 0;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename().string().rfind("part-", 0) == 0) ++part_files;
  EXPECT_EQ(part_files, np());
  for (std::size_t p = 0; p < np(); ++p) {
    char name[32];
    std::snprintf(name, sizeof name, "part-%05zu", p);
    ASSERT_TRUE(fs::exists(dir / name)) << name;
    std::string want;
    for (const auto& [k, v] : sl[p]) want += "(" + k + "," + std::to_string(v) + ")\n";
    EXPECT_EQ(read_all(dir / name), want) << name;
  }
  EXPECT_TRUE(fs::exists(dir / "_SUCCESS"));
  // Like Spark, an existing output directory is not overwritten.
  EXPECT_ANY_THROW(ctx.parallelize(data, GetParam()).save_as_text_file(dir.string()));
  fs::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(Partitions, RddActions, ::testing::ValuesIn(kPartitionCounts));

TEST(RddActionErrors, EmptyRddReduceAndFirstThrowClearly) {
  Context ctx(Config{.parallelism = 2});
  for (std::int64_t p : kPartitionCounts) {
    auto empty = ctx.parallelize(std::vector<int>{}, p);
    try {
      empty.reduce(std::plus<>{});
      ADD_FAILURE() << "reduce on an empty RDD did not throw";
    } catch (const std::exception& e) {
      EXPECT_NE(std::string(e.what()).find("empty"), std::string::npos) << e.what();
    }
    try {
      empty.first();
      ADD_FAILURE() << "first on an empty RDD did not throw";
    } catch (const std::exception& e) {
      EXPECT_NE(std::string(e.what()).find("empty"), std::string::npos) << e.what();
    }
    EXPECT_TRUE(empty.take(3).empty());
    EXPECT_TRUE(empty.top(3).empty());
    EXPECT_EQ(empty.fold(0, std::plus<>{}), 0);
  }
  EXPECT_THROW(ctx.empty_rdd<int>().reduce(std::plus<>{}), std::exception);
  EXPECT_EQ(ctx.empty_rdd<int>().count(), 0);
  EXPECT_THROW(ctx.parallelize(std::vector<int>{1}, 1).take(-1), std::invalid_argument);
}

}  // namespace
}  // namespace rill::test
