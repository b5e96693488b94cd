// Lineage and persistence: partitioner reuse (no second shuffle), cache, recompute of a
// dropped cached partition only, checkpoint (lineage truncated, corrupt file reported),
// debug_string stage breaks.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <rill/rill.hpp>
#include <set>

#include "rdd/reference.hpp"

namespace rill::test {
namespace {

namespace fs = std::filesystem;
using KV = std::pair<int, int>;

TEST(LineageTest, CoPartitionedRddsReduceAndJoinWithoutANewShuffle) {
  Context ctx(Config{.parallelism = 2});
  auto da = skewed_pairs(1000, 30, 1), db = skewed_pairs(700, 30, 2);
  auto a = ctx.parallelize(da, 3).partition_by(HashPartitioner(4)).cache();
  auto b = ctx.parallelize(db, 5).partition_by(HashPartitioner(4)).cache();
  EXPECT_EQ(a.count(), 1000);
  EXPECT_EQ(ctx.last_job_metrics().shuffle_stages(), 1u);
  EXPECT_EQ(b.count(), 700);
  const auto before = ctx.shuffle_stages_run();

  auto reduced = a.map_values([](int v) { return v; }).reduce_by_key(std::plus<>{}, 4);
  EXPECT_EQ(sums(reduced.collect()).size(), sums(da).size());
  EXPECT_EQ(ctx.last_job_metrics().shuffle_stages(), 0u) << "map_values keeps the partitioner";
  EXPECT_EQ(as_map(a.reduce_by_key(std::plus<>{}).collect()).size(), sums(da).size());
  EXPECT_EQ(ctx.last_job_metrics().shuffle_stages(), 0u) << "default partitioner is the input's";
  a.group_by_key().count();
  EXPECT_EQ(ctx.last_job_metrics().shuffle_stages(), 0u);

  auto joined = a.join(b).collect();
  EXPECT_EQ(ctx.last_job_metrics().shuffle_stages(), 0u) << "co-partitioned join";
  EXPECT_EQ(ctx.shuffle_stages_run(), before);
  std::size_t want = 0;
  for (auto [k, v] : da)
    for (auto [k2, w] : db) want += k == k2;
  EXPECT_EQ(joined.size(), want);

  // Not co-partitioned: a different count, a lost partitioner, or none at all.
  a.reduce_by_key(std::plus<>{}, 5).count();
  EXPECT_EQ(ctx.last_job_metrics().shuffle_stages(), 1u);
  a.map([](KV kv) { return kv; }).reduce_by_key(std::plus<>{}, 4).count();
  EXPECT_EQ(ctx.last_job_metrics().shuffle_stages(), 1u)
      << "map forgets the partitioner, like Spark";
  auto c = ctx.parallelize(db, 2);
  EXPECT_EQ(a.join(c).collect().size(), want);
  EXPECT_EQ(ctx.last_job_metrics().shuffle_stages(), 1u) << "only the unpartitioned side moves";
  EXPECT_EQ(ctx.shuffle_stages_run(), before + 3);
}

TEST(LineageTest, ShuffleOutputsAreReusedByALaterJob) {
  Context ctx(Config{.parallelism = 2});
  auto r = ctx.parallelize(skewed_pairs(500, 10), 4).reduce_by_key(std::plus<>{});
  auto first = as_map(r.collect());
  EXPECT_EQ(ctx.last_job_metrics().shuffle_stages(), 1u);
  EXPECT_EQ(as_map(r.collect()), first);
  EXPECT_EQ(ctx.last_job_metrics().shuffle_stages(), 0u);
}

class LineageCacheTest : public ::testing::TestWithParam<std::int64_t> {
 protected:
  Context ctx{Config{.parallelism = 2}};
};

TEST_P(LineageCacheTest, CacheComputesOnceAndDroppedPartitionIsRecomputedAlone) {
  const std::size_t n = 1000, np = static_cast<std::size_t>(GetParam());
  auto data = ints(n);
  std::atomic<int> calls{0};
  auto rdd = ctx.parallelize(data, GetParam()).map([&calls](int x) {
    ++calls;
    return x * 2;
  });
  rdd.cache();  // marks the RDD itself
  std::vector<int> want;
  for (int x : data) want.push_back(x * 2);
  EXPECT_EQ(rdd.collect(), want);
  EXPECT_EQ(calls.load(), static_cast<int>(n));
  EXPECT_EQ(rdd.count(), static_cast<std::int64_t>(n));
  EXPECT_EQ(rdd.collect(), want);
  EXPECT_EQ(calls.load(), static_cast<int>(n)) << "a cached RDD is not recomputed";
  EXPECT_EQ(ctx.cached_partitions(), np);

  auto sl = slices(data, np);
  const std::size_t victim = np / 2;
  EXPECT_TRUE(ctx.drop_cached_partition(rdd.id(), victim));
  EXPECT_FALSE(ctx.drop_cached_partition(rdd.id(), victim));
  EXPECT_EQ(rdd.collect(), want);
  EXPECT_EQ(calls.load(), static_cast<int>(n + sl[victim].size()))
      << "only the lost partition is recomputed";
  EXPECT_EQ(ctx.cached_partitions(), np);

  rdd.unpersist();
  EXPECT_EQ(ctx.cached_partitions(), 0u);
  EXPECT_EQ(rdd.collect(), want);
  EXPECT_EQ(calls.load(), static_cast<int>(2 * n + sl[victim].size()));
}

TEST_P(LineageCacheTest, DroppedPartitionAfterAShuffleReusesTheShuffle) {
  auto data = skewed_pairs(2000, 50);
  std::atomic<int> calls{0};
  auto reduced = ctx.parallelize(data, GetParam())
                     .reduce_by_key(std::plus<>{}, 7)
                     .map_values([&calls](int v) {
                       ++calls;
                       return v;
                     })
                     .cache();
  auto want = reduced.collect();
  const int first = calls.load();
  auto parts = reduced.glom().collect();
  EXPECT_EQ(calls.load(), first);
  ASSERT_TRUE(ctx.drop_cached_partition(reduced.id(), 2));
  EXPECT_EQ(reduced.collect(), want);
  EXPECT_EQ(ctx.last_job_metrics().shuffle_stages(), 0u);
  EXPECT_EQ(calls.load(), first + static_cast<int>(parts[2].size()));
}

TEST_P(LineageCacheTest, CheckpointTruncatesLineageAndKeepsResults) {
  auto data = skewed_pairs(800, 20);
  std::atomic<int> calls{0};
  auto rdd = ctx.parallelize(data, GetParam())
                 .map_values([&calls](int v) {
                   ++calls;
                   return v + 1;
                 })
                 .reduce_by_key(std::plus<>{})
                 .map_values([](int v) { return v * 2; });
  EXPECT_NE(rdd.debug_string().find("ParallelCollectionRdd"), std::string::npos);
  rdd.checkpoint();
  EXPECT_FALSE(rdd.is_checkpointed());
  auto before = sorted(rdd.collect());
  EXPECT_TRUE(rdd.is_checkpointed());
  const auto ds = rdd.debug_string();
  EXPECT_EQ(ds.find("ParallelCollectionRdd"), std::string::npos) << ds;
  EXPECT_EQ(ds.find("+-"), std::string::npos) << ds;
  EXPECT_EQ(ds.find('\n'), std::string::npos) << "only the checkpointed RDD remains:\n" << ds;
  const int c = calls.load();
  EXPECT_EQ(sorted(rdd.collect()), before);
  EXPECT_EQ(calls.load(), c) << "read back from the checkpoint";
  EXPECT_EQ(sorted(rdd.map_values([](int v) { return v; }).collect()), before);
}

INSTANTIATE_TEST_SUITE_P(Partitions, LineageCacheTest, ::testing::ValuesIn(kPartitionCounts));

TEST(CheckpointTest, PartialJobStillCompletesTheCheckpoint) {
  Context ctx(Config{.parallelism = 2});
  auto data = ints(500);
  auto rdd = ctx.parallelize(data, 7).map([](int x) { return std::to_string(x); }).cache();
  rdd.checkpoint();
  EXPECT_EQ(rdd.take(2).size(), 2u);  // computes one partition; the rest are written after
  EXPECT_TRUE(rdd.is_checkpointed());
  std::vector<std::string> want;
  for (int x : data) want.push_back(std::to_string(x));
  EXPECT_EQ(rdd.collect(), want);
  auto pairs = rdd.map([](const std::string& s) {
                    return std::pair<std::string, int>{s, 1};
                  })
                   .reduce_by_key(std::plus<>{});
  pairs.checkpoint();
  EXPECT_EQ(pairs.count(),
            static_cast<std::int64_t>(std::set<int>(data.begin(), data.end()).size()));
  EXPECT_TRUE(pairs.is_checkpointed());
  EXPECT_EQ(pairs.values().reduce(std::plus<>{}), 500);
}

TEST(CheckpointTest, CorruptCheckpointFileIsReportedByName) {
  const auto dir = fs::temp_directory_path() / ("rill-ckpt-test-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  {
    Context ctx(Config{.parallelism = 2, .max_task_attempts = 2, .checkpoint_dir = dir.string()});
    auto rdd = ctx.parallelize(std::vector<std::string>{"a", "bb", "ccc", "dddd"}, 2)
                   .map([](std::string s) { return s + "!"; });
    rdd.checkpoint();
    const auto want = rdd.collect();
    ASSERT_TRUE(rdd.is_checkpointed());
    const auto file = dir / ("rdd-" + std::to_string(rdd.id())) / "part-00000";
    ASSERT_TRUE(fs::exists(file)) << file;
    EXPECT_EQ(rdd.collect(), want);

    for (const std::string& garbage :
         {std::string("not a checkpoint"), std::string("RILLCKP1\x02")}) {
      std::ofstream(file, std::ios::binary | std::ios::trunc) << garbage;
      try {
        rdd.collect();
        ADD_FAILURE() << "a corrupt checkpoint was read without error";
      } catch (const std::exception& e) {
        EXPECT_NE(std::string(e.what()).find(file.string()), std::string::npos) << e.what();
      }
    }
    fs::remove(file);
    try {
      rdd.count();
      ADD_FAILURE() << "a missing checkpoint file was not reported";
    } catch (const std::exception& e) {
      EXPECT_NE(std::string(e.what()).find(file.string()), std::string::npos) << e.what();
    }
  }
  fs::remove_all(dir);
}

TEST(LineageTest, DebugStringShowsShuffleBoundaries) {
  Context ctx(Config{.parallelism = 2});
  auto narrow =
      ctx.parallelize(std::vector<int>{1, 2, 3}, 2).map([](int x) { return x; }).filter([](int) {
        return true;
      });
  EXPECT_EQ(narrow.debug_string().find("+-"), std::string::npos) << narrow.debug_string();
  auto wide = narrow.map([](int x) {
                      return KV{x % 2, x};
                    })
                  .reduce_by_key(std::plus<>{}, 3)
                  .map_values([](int v) { return v; });
  const auto ds = wide.debug_string();
  EXPECT_NE(ds.find("+-"), std::string::npos) << ds;
  EXPECT_EQ(ds.rfind("(3)", 0), 0u) << "the last stage has 3 partitions:\n" << ds;
  EXPECT_NE(ds.find("(2)"), std::string::npos) << ds;
  EXPECT_NE(ds.find("ParallelCollectionRdd"), std::string::npos) << ds;
  wide.cache();
  wide.count();
  EXPECT_NE(wide.debug_string().find("cached"), std::string::npos) << wide.debug_string();
}

}  // namespace
}  // namespace rill::test
