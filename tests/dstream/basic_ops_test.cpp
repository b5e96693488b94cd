#include "dstream/stream_test_support.hpp"

namespace rill::test {
namespace {

const std::vector<std::vector<int>> kBatches{{1, 2, 3}, {}, {4, 5, 5, 6, 7}, {8}, {9, 9, 9, 10}};

TEST(DStreamBasic, MapFilterFlatMapMatchPerBatchReference) {
  StreamHarness h;
  auto in = h.ssc.queue_stream(h.queue_of(kBatches));
  auto out = in.map([](int x) { return x * 10; })
                 .filter([](int x) { return x % 20 != 0; })
                 .flat_map([](int x) {
                   return std::vector<int>{x, x + 1};
                 });
  Collector<int> c(out);
  h.ssc.start();
  h.run_batches(7);
  h.ssc.stop();
  auto got = c.in_order();
  ASSERT_EQ(got.size(), 7u);
  for (std::size_t i = 0; i < got.size(); ++i) {
    std::vector<int> want;
    if (i < kBatches.size())
      for (int x : kBatches[i]) {
        int y = x * 10;
        if (y % 20 == 0) continue;
        want.push_back(y);
        want.push_back(y + 1);
      }
    EXPECT_EQ(got[i], sorted(want)) << "batch " << i;
  }
}

TEST(DStreamBasic, BatchTimesAreMultiplesOfTheInterval) {
  StreamHarness h;
  auto in = h.ssc.queue_stream(h.queue_of(kBatches));
  std::vector<Time> times;
  std::mutex m;
  in.foreach_rdd([&](const Rdd<int>&, Time t) {
    std::lock_guard lock(m);
    times.push_back(t);
  });
  h.ssc.start();
  h.clock->advance(350ms);  // three batches at once: run late, not merged
  h.ssc.await_batch_completed(300ms);
  h.run_batches(1);  // clock at 450: batch 400
  h.ssc.stop();
  EXPECT_EQ(times, (std::vector<Time>{100ms, 200ms, 300ms, 400ms}));
}

TEST(DStreamBasic, CountCountByValueReduce) {
  StreamHarness h;
  auto in = h.ssc.queue_stream(h.queue_of(kBatches));
  Collector<std::int64_t> counts(in.count());
  Collector<std::pair<int, std::int64_t>> cbv(in.count_by_value());
  Collector<int> sums(in.reduce(std::plus<>{}));
  h.ssc.start();
  h.run_batches(6);
  h.ssc.stop();
  auto c = counts.in_order();
  auto v = cbv.in_order();
  auto s = sums.in_order();
  ASSERT_EQ(c.size(), 6u);
  for (std::size_t i = 0; i < 6; ++i) {
    std::vector<int> batch = i < kBatches.size() ? kBatches[i] : std::vector<int>{};
    EXPECT_EQ(c[i], (std::vector<std::int64_t>{static_cast<std::int64_t>(batch.size())})) << i;
    std::map<int, std::int64_t> want;
    for (int x : batch) ++want[x];
    EXPECT_EQ(v[i], (std::vector<std::pair<int, std::int64_t>>(want.begin(), want.end()))) << i;
    int sum = 0;
    for (int x : batch) sum += x;
    EXPECT_EQ(s[i], batch.empty() ? std::vector<int>{} : std::vector<int>{sum}) << i;
  }
}

}  // namespace
}  // namespace rill::test
