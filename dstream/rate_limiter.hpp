// RateLimiter: a token bucket that holds a receiver to Config::receiver_max_rate records
// per second (Spark's RateLimiter). Refills continuously from the context's clock, holding
// at most `burst` worth of tokens (Spark: one second; a receiver gets one batch interval,
// see JobScheduler::receiver_env); it starts empty (like Guava's, which Spark uses). A
// receiver that falls behind (descheduled, say) thus catches up by at most one batch's
// worth instead of dumping a second of data into one short batch. acquire blocks on the
// clock, so under a ManualClock it waits for the test to advance time.
#pragma once
#include <algorithm>
#include <atomic>
#include <cmath>
#include <mutex>
#include <rill/dstream/clock.hpp>

namespace rill::detail {

class RateLimiter {
 public:
  RateLimiter(Clock& clock, std::int64_t rate, Duration burst = Duration{1000})
      : clock_(clock),
        rate_(rate),
        burst_ms_(std::max<double>(1, double(burst.count()))),
        last_(clock.now()) {}
  std::int64_t rate() const { return rate_.load(); }
  void set_rate(std::int64_t r) { rate_.store(r); }

  // Takes n tokens, waiting until they are there. Returns false if stop was requested
  // first (the caller then proceeds without the limit).
  bool acquire(std::int64_t n, std::stop_token stop) {
    std::unique_lock lock(mutex_);
    if (rate_.load() <= 0) return true;
    refill(rate_.load());
    // Taken at once, into debt if need be, and paid off by waiting: a request larger
    // than the bucket (a receiver storing 1024 records into a bucket of one
    // millisecond's worth) must not lose the tokens that refill beyond the cap while it
    // waits piece by piece; that halved the rate of 1 ms batches.
    tokens_ -= static_cast<double>(n);
    while (tokens_ < 0) {
      const auto rate = rate_.load();
      if (rate <= 0) return true;
      const auto wait_ms = std::max<std::int64_t>(
          1, static_cast<std::int64_t>(std::ceil(-tokens_ * 1000.0 / static_cast<double>(rate))));
      // From the time the bucket was last filled to, not a fresh now(): the clock may
      // have moved since refill(), and a later deadline would sleep past the tokens.
      const Time until = last_ + Duration{wait_ms};
      lock.unlock();
      if (!clock_.wait_until(until, stop)) return false;
      lock.lock();
      refill(rate);
    }
    return true;
  }

 private:
  // At least one token, so that a single record can always pass.
  double capacity(std::int64_t rate) const {
    return std::max(1.0, static_cast<double>(rate) * burst_ms_ / 1000.0);
  }
  void refill(std::int64_t rate) {
    const auto now = clock_.now();
    const auto elapsed = (now - last_).count();
    if (elapsed > 0) {
      tokens_ = std::min(capacity(rate), tokens_ + static_cast<double>(elapsed) *
                                                       static_cast<double>(rate) / 1000.0);
      last_ = now;
    }
  }

  Clock& clock_;
  std::atomic<std::int64_t> rate_;
  const double burst_ms_;
  std::mutex mutex_;
  double tokens_ = 0;  // guarded by mutex_
  Time last_;          // guarded by mutex_
};

}  // namespace rill::detail
