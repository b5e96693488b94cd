// Background checkpoints (what streams use outside recovery mode): the job does not wait
// for the files; the checkpoint completes, and the lineage is cut, at the end of the
// first job that finds every file written; a failed write is reported by the next job,
// and the data is still computed from its lineage.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <rill/rill.hpp>
#include <stdexcept>

#include "rdd/reference.hpp"

namespace rill::test {
namespace {

TEST(CheckpointWriter, RunsInOrderDrainsAndReportsTheFirstError) {
  detail::CheckpointWriter w;
  std::vector<int> order;
  for (int i = 0; i < 100; ++i) w.submit([&order, i] { order.push_back(i); });
  w.submit([] { throw std::runtime_error("first"); });
  w.submit([] { throw std::runtime_error("second"); });
  w.drain();
  ASSERT_EQ(order.size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(order[static_cast<std::size_t>(i)], i);
  auto error = w.take_error();
  ASSERT_TRUE(error);
  try {
    std::rethrow_exception(error);
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "first");
  }
  EXPECT_FALSE(w.take_error());
}

class AsyncCheckpoint : public ::testing::TestWithParam<std::int64_t> {
 protected:
  Context ctx{Config{.parallelism = 2}};
};

TEST_P(AsyncCheckpoint, CompletesAtALaterJobAndKeepsTheResults) {
  const auto dir = fresh_dir("async-ckpt-ok");
  auto data = skewed_pairs(2'000, 30);
  std::atomic<int> calls{0};
  auto rdd = ctx.parallelize(data, GetParam())
                 .map_values([&calls](int v) {
                   ++calls;
                   return v + 1;
                 })
                 .reduce_by_key(std::plus<>{})
                 .cache();
  rdd.node().enable_checkpoint(dir, &detail::write_checkpoint<std::pair<int, int>>,
                               &detail::read_checkpoint<std::pair<int, int>>, true);
  auto first = sorted(rdd.collect());
  // Complete at the end of that job if the writer was done by then, else at the next.
  ctx.state()->checkpoint_writer().drain();
  EXPECT_EQ(sorted(rdd.collect()), first);
  EXPECT_TRUE(rdd.is_checkpointed());
  EXPECT_EQ(rdd.debug_string().find("ParallelCollectionRdd"), std::string::npos);
  // Read back from the files once the cache is gone; no recompute.
  const int c = calls.load();
  rdd.unpersist();
  EXPECT_EQ(sorted(rdd.collect()), first);
  EXPECT_EQ(calls.load(), c);
  std::map<int, int> want;
  for (auto [k, v] : data) want[k] += v + 1;
  EXPECT_EQ(first, (std::vector<std::pair<int, int>>(want.begin(), want.end())));
  std::filesystem::remove_all(dir);
}

TEST_P(AsyncCheckpoint, AFailedWriteIsReportedAndTheLineageKept) {
  const auto dir = fresh_dir("async-ckpt-fail");
  auto data = skewed_pairs(500, 10);
  auto rdd = ctx.parallelize(data, GetParam()).reduce_by_key(std::plus<>{});
  rdd.node().enable_checkpoint(
      dir,
      [](const std::vector<std::pair<int, int>>&, const std::filesystem::path&) {
        throw std::runtime_error("disk full");
      },
      &detail::read_checkpoint<std::pair<int, int>>, true);
  // Reported by the job that ends after the writer failed: the first or the next one.
  int reported = 0;
  for (int i = 0; i < 2; ++i) {
    try {
      EXPECT_EQ(rdd.count(), 11);  // keys 0..10: computed from the lineage
    } catch (const std::runtime_error& e) {
      ++reported;
      EXPECT_NE(std::string(e.what()).find("asynchronous checkpoint write failed: disk full"),
                std::string::npos)
          << e.what();
    }
    ctx.state()->checkpoint_writer().drain();
  }
  EXPECT_GE(reported, 1) << "the failed background write was not reported";
  EXPECT_FALSE(rdd.is_checkpointed());
  EXPECT_NE(rdd.debug_string().find("ParallelCollectionRdd"), std::string::npos)
      << "the lineage must stay while no checkpoint exists";
  ctx.state()->checkpoint_writer().drain();
  std::filesystem::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(Partitions, AsyncCheckpoint, ::testing::ValuesIn(kPartitionCounts));

}  // namespace
}  // namespace rill::test
