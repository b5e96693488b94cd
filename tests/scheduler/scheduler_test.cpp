// The DagScheduler seen through jobs: task retries (attempt counts in the metrics),
// JobFailed after max_task_attempts, stage order in the flow graph, per-stage metrics,
// reused shuffle outputs, and Config validation.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <rill/rill.hpp>
#include <thread>

namespace rill {
namespace {

std::vector<int> iota_vec(int n) {
  std::vector<int> v(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) v[static_cast<std::size_t>(i)] = i;
  return v;
}

TEST(SchedulerTest, TaskThatFailsOnceSucceedsOnRetry) {
  Context ctx(Config{.parallelism = 2});
  std::atomic<int> attempts{0};
  auto data = iota_vec(100);
  auto rdd = ctx.parallelize(data, 4).map([&attempts](int x) {
    if (x == 60 && attempts++ == 0) throw std::runtime_error("flaky first attempt");
    return x;
  });
  EXPECT_EQ(rdd.collect(), data);
  EXPECT_EQ(attempts.load(), 2);
  const auto m = ctx.last_job_metrics();
  ASSERT_EQ(m.stages.size(), 1u);
  ASSERT_EQ(m.stages[0].tasks.size(), 4u);
  for (const auto& t : m.stages[0].tasks)
    EXPECT_EQ(t.attempts, t.partition == 2 ? 2 : 1) << "partition " << t.partition;
  EXPECT_EQ(m.task_attempts(), 5);
}

TEST(SchedulerTest, ShuffleMapTaskIsRetriedToo) {
  Context ctx(Config{.parallelism = 2});
  std::atomic<int> attempts{0};
  auto rdd = ctx.parallelize(iota_vec(100), 4)
                 .map([&attempts](int x) {
                   if (x == 10 && attempts++ == 0) throw std::runtime_error("flaky map side");
                   return std::pair<int, int>{x % 3, 1};
                 })
                 .reduce_by_key(std::plus<>{});
  auto got = rdd.collect();
  std::map<int, int> m(got.begin(), got.end());
  EXPECT_EQ(m, (std::map<int, int>{{0, 34}, {1, 33}, {2, 33}}));
  const auto jm = ctx.last_job_metrics();
  ASSERT_EQ(jm.shuffle_stages(), 1u);
  int retried = 0;
  for (const auto& s : jm.stages)
    for (const auto& t : s.tasks) retried += t.attempts == 2;
  EXPECT_EQ(retried, 1);
}

TEST(SchedulerTest, TaskThatAlwaysFailsAbortsAfterMaxAttempts) {
  for (int max_attempts : {1, 3, 4}) {
    Context ctx(Config{.parallelism = 2, .max_task_attempts = max_attempts});
    std::atomic<int> attempts{0};
    auto rdd = ctx.parallelize(iota_vec(50), 3).map([&attempts](int x) {
      if (x == 20) {
        ++attempts;
        throw std::runtime_error("user function broke on 20");
      }
      return x;
    });
    try {
      rdd.count();
      ADD_FAILURE() << "no JobFailed";
    } catch (const JobFailed& e) {
      EXPECT_NE(std::string(e.what()).find("user function broke on 20"), std::string::npos)
          << e.what();
    }
    EXPECT_EQ(attempts.load(), max_attempts);
    // The context stays usable.
    EXPECT_EQ(ctx.parallelize(iota_vec(10), 2).count(), 10);
  }
  EXPECT_EQ(Config{}.max_task_attempts, 4);
}

TEST(SchedulerTest, FailedMapStageStopsTheJobBeforeTheResultStage) {
  Context ctx(Config{.parallelism = 2, .max_task_attempts = 2});
  std::atomic<int> result_calls{0};
  auto rdd = ctx.parallelize(iota_vec(40), 2)
                 .map([](int x) {
                   if (x == 5) throw std::invalid_argument("bad record 5");
                   return std::pair<int, int>{x, x};
                 })
                 .reduce_by_key(std::plus<>{})
                 .map([&result_calls](std::pair<int, int> kv) {
                   ++result_calls;
                   return kv;
                 });
  EXPECT_THROW(rdd.collect(), JobFailed);
  EXPECT_EQ(result_calls.load(), 0);
}

TEST(SchedulerTest, ParentStagesFinishBeforeChildStagesStart) {
  Context ctx(Config{.parallelism = 2});
  std::atomic<int> clock{0};
  std::mutex mu;
  int last_map = -1, first_result = 1 << 30, last_reduce_map = -1;
  auto stamp = [&](int& slot, bool max) {
    const int t = clock++;
    std::lock_guard lock(mu);
    slot = max ? std::max(slot, t) : std::min(slot, t);
  };
  auto left = ctx.parallelize(iota_vec(300), 5).map([&](int x) {
    stamp(last_map, true);
    return std::pair<int, int>{x % 17, x};
  });
  auto right = ctx.parallelize(iota_vec(200), 3).map([&](int x) {
    stamp(last_map, true);
    return std::pair<int, int>{x % 17, -x};
  });
  // Two independent map stages feed the join's stage, whose output feeds another shuffle.
  auto joined = left.join(right)
                    .map([&](auto kv) {
                      stamp(last_reduce_map, true);
                      return std::pair<int, int>{kv.first % 3, kv.second.first};
                    })
                    .reduce_by_key(std::plus<>{}, 2)
                    .map([&](std::pair<int, int> kv) {
                      stamp(first_result, false);
                      return kv;
                    });
  auto got = joined.collect();
  EXPECT_EQ(got.size(), 3u);
  EXPECT_LT(last_map, first_result);
  EXPECT_LT(last_reduce_map, first_result);
  const auto m = ctx.last_job_metrics();
  EXPECT_EQ(m.shuffle_stages(), 3u);
  ASSERT_EQ(m.stages.size(), 4u);
  EXPECT_FALSE(m.stages.back().shuffle_map) << "the result stage comes last";
  EXPECT_EQ(m.stages.back().tasks.size(), 2u);
}

TEST(SchedulerTest, MetricsCountRecordsAndJobsAreNumbered) {
  Context ctx(Config{.parallelism = 2});
  const auto before = ctx.job_history().size();
  auto rdd = ctx.range(0, 1000, 4);
  EXPECT_EQ(rdd.count(), 1000);
  auto m1 = ctx.last_job_metrics();
  ASSERT_EQ(m1.stages.size(), 1u);
  EXPECT_EQ(m1.stages[0].records_in(), 1000);
  EXPECT_EQ(m1.stages[0].tasks.size(), 4u);
  for (const auto& t : m1.stages[0].tasks) EXPECT_EQ(t.records_in, 250);
  rdd.collect();
  auto m2 = ctx.last_job_metrics();
  EXPECT_GT(m2.job_id, m1.job_id);
  EXPECT_EQ(ctx.job_history().size(), before + 2);
  EXPECT_EQ(ctx.job_history().back().job_id, m2.job_id);
}

TEST(SchedulerTest, ConcurrentJobsOnOneContextShareShufflesAndCaches) {
  Context ctx(Config{.parallelism = 2});
  std::vector<std::pair<int, int>> data;
  for (int i = 0; i < 5000; ++i) data.emplace_back(i % 37, 1);
  auto reduced = ctx.parallelize(data, 8).reduce_by_key(std::plus<>{});
  auto cached = ctx.parallelize(data, 5).map_values([](int v) { return v * 2; }).cache();
  std::vector<std::thread> threads;
  std::atomic<int> bad{0};
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int round = 0; round < 5; ++round) {
        if (t % 2 == 0) {
          auto got = reduced.collect();
          long total = 0;
          for (auto [k, v] : got) total += v;
          if (got.size() != 37 || total != 5000) ++bad;
        } else if (cached.values().reduce(std::plus<>{}) != 10000) {
          ++bad;
        }
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(bad.load(), 0);
}

TEST(SchedulerTest, BadConfigIsRejectedWithTheValue) {
  auto expect_bad = [](Config c, const std::string& needle) {
    try {
      Context ctx(c);
      ADD_FAILURE() << "accepted a bad config (" << needle << ")";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  expect_bad(Config{.max_task_attempts = 0}, "0");
  expect_bad(Config{.max_task_attempts = -2}, "-2");
  expect_bad(Config{.parallelism = -1}, "-1");
  expect_bad(Config{.default_partitions = -3}, "-3");
  EXPECT_NO_THROW(Context(Config{.parallelism = 1, .max_task_attempts = 1}));
}

}  // namespace
}  // namespace rill
