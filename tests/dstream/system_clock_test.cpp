// The system clock's time line is the Unix epoch's, so a context restarted by
// get_or_create in a new process continues where the old one stopped and catches up on
// the batches it missed, back to back, none skipped or merged. Real clock on purpose:
// the assertions hold however long each step takes.
#include <thread>

#include "dstream/stream_test_support.hpp"

namespace rill::test {
namespace {

TEST(SystemClockTime, IsMillisecondsSinceTheUnixEpoch) {
  SystemClock clock;
  const auto before =
      std::chrono::duration_cast<Time>(std::chrono::system_clock::now().time_since_epoch());
  const auto now = clock.now();
  const auto after =
      std::chrono::duration_cast<Time>(std::chrono::system_clock::now().time_since_epoch());
  EXPECT_LE(before, now);
  EXPECT_LE(now, after);
  std::stop_source never;
  EXPECT_TRUE(clock.wait_until(now + 5ms, never.get_token()));
  EXPECT_GE(clock.now(), now + 5ms);
}

struct Times {
  std::mutex m;
  std::vector<Time> seen;
};

StreamingContext timed_job(Context ctx, Times& times) {
  StreamingContext ssc(ctx, 20ms);  // the system clock
  std::deque<Rdd<int>> none;
  ssc.queue_stream(std::move(none)).count().foreach_rdd([&times](const Rdd<std::int64_t>&, Time t) {
    std::lock_guard lock(times.m);
    times.seen.push_back(t);
  });
  return ssc;
}

TEST(SystemClockTime, ARestartedContextCatchesUpOnEveryMissedBatch) {
  TempDir dir;
  Context ctx(Config{.parallelism = 2});
  Times first, second;
  Time last;
  {
    auto ssc = StreamingContext::get_or_create(dir.str(), [&] { return timed_job(ctx, first); });
    const auto started = SystemClock().now();
    ssc.start();
    ssc.await_batch_completed(started + 60ms);
    ssc.stop(true, false);
    last = *ssc.last_completed_batch();
  }
  std::this_thread::sleep_for(100ms);  // down: about five batch times pass
  auto ssc = StreamingContext::get_or_create(dir.str(), [&] { return timed_job(ctx, second); });
  ssc.start();
  const auto now = SystemClock().now();
  ssc.await_batch_completed(now);
  ssc.stop(true, false);
  std::lock_guard lock(first.m);
  ASSERT_FALSE(first.seen.empty());
  EXPECT_EQ(first.seen.front().count() % 20, 0) << "batch times are on the interval grid";
  ASSERT_FALSE(second.seen.empty());
  EXPECT_EQ(second.seen.front(), last + 20ms) << "continues after the last completed batch";
  for (std::size_t i = 1; i < second.seen.size(); ++i)
    EXPECT_EQ(second.seen[i], second.seen[i - 1] + 20ms) << "no batch time skipped or merged";
  EXPECT_GE(second.seen.back(), now - 20ms) << "caught up with real time";
}

}  // namespace
}  // namespace rill::test
