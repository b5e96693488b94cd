// Helpers shared by the DStream tests: a StreamingContext on a ManualClock that runs
// batches one by one, and a collector that records each batch's RDD contents.
#pragma once
#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include <gtest/gtest.h>
#include <rill/rill.hpp>

namespace rill::test {

using namespace std::chrono_literals;

struct StreamHarness {
  explicit StreamHarness(Duration interval = 100ms, Config config = Config{.parallelism = 2})
      : ctx(config), clock(std::make_shared<ManualClock>()), ssc(ctx, interval, clock), interval(interval) {}

  // Advances the clock one interval at a time and waits for each batch.
  void run_batches(int n) {
    for (int i = 0; i < n; ++i) {
      clock->advance(interval);
      ssc.await_batch_completed(latest_batch_time());
    }
  }

  // The newest batch time the clock has reached.
  Time latest_batch_time() const {
    const auto now = clock->now();
    return interval.count() ? Time{now.count() / interval.count() * interval.count()} : now;
  }

  template <class T>
  std::deque<Rdd<T>> queue_of(const std::vector<std::vector<T>>& batches, std::int64_t partitions = 2) {
    std::deque<Rdd<T>> q;
    for (const auto& b : batches) q.push_back(ctx.parallelize(b, partitions));
    return q;
  }

  Context ctx;
  std::shared_ptr<ManualClock> clock;
  StreamingContext ssc;
  Duration interval;
};

// Records, per batch time, what a stream produced (sorted, since RDD order across
// partitions is not part of the contract for wide operations).
template <class T>
class Collector {
 public:
  explicit Collector(const DStream<T>& s, bool sort = true) : state_(std::make_shared<State>()) {
    auto st = state_;
    s.foreach_rdd([st, sort](const Rdd<T>& rdd, Time t) {
      auto v = rdd.collect();
      if (sort) std::sort(v.begin(), v.end());
      std::lock_guard lock(st->mutex);
      st->batches[t] = std::move(v);
    });
  }
  std::map<Time, std::vector<T>> batches() const {
    std::lock_guard lock(state_->mutex);
    return state_->batches;
  }
  std::vector<std::vector<T>> in_order() const {
    std::vector<std::vector<T>> out;
    for (auto& [t, v] : batches()) out.push_back(v);
    return out;
  }

 private:
  struct State {
    std::mutex mutex;
    std::map<Time, std::vector<T>> batches;
  };
  std::shared_ptr<State> state_;
};

template <class T>
std::vector<T> sorted(std::vector<T> v) {
  std::sort(v.begin(), v.end());
  return v;
}

}  // namespace rill::test
