// Clock: where the streaming layer reads the time (Spark's Clock / SystemClock /
// ManualClock). Everything time-driven — the job generator, block generators, rate
// limiters — waits on the context's clock, so a ManualClock makes a whole streaming run
// deterministic: nothing happens until a test calls advance() or set_time().
#pragma once
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <rill/dstream/time.hpp>
#include <stop_token>

namespace rill {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual Time now() const = 0;
  // Blocks until now() >= t; returns false (early) once `stop` is requested.
  virtual bool wait_until(Time t, std::stop_token stop) = 0;
};

// Milliseconds since the Unix epoch (std::chrono::system_clock), as Spark's batch times:
// a process restarted by get_or_create reads the same time line as the one that died, so
// it continues with the batch after the last completed one and catches up on the batches
// missed while it was down, instead of waiting through all its earlier lives again.
class SystemClock final : public Clock {
 public:
  Time now() const override {
    return std::chrono::duration_cast<Time>(std::chrono::system_clock::now().time_since_epoch());
  }
  bool wait_until(Time t, std::stop_token stop) override {
    std::unique_lock lock(mutex_);
    cv_.wait_until(lock, stop, std::chrono::system_clock::time_point(t), [] { return false; });
    return !stop.stop_requested();
  }

 private:
  std::mutex mutex_;
  std::condition_variable_any cv_;  // only woken by stop requests
};

// A clock that moves only when told to; every thread waiting on it wakes on each move.
// Test pattern: ssc.start(); clock->advance(interval); ssc.await_batch_completed(interval);
class ManualClock final : public Clock {
 public:
  explicit ManualClock(Time start = Time{0}) : now_(start) {}
  Time now() const override {
    std::lock_guard lock(mutex_);
    return now_;
  }
  void set_time(Time t) {
    {
      std::lock_guard lock(mutex_);
      now_ = t;
    }
    cv_.notify_all();
  }
  void advance(Duration d) {
    {
      std::lock_guard lock(mutex_);
      now_ += d;
    }
    cv_.notify_all();
  }
  bool wait_until(Time t, std::stop_token stop) override {
    std::unique_lock lock(mutex_);
    ++waiters_;
    const bool reached = cv_.wait(lock, stop, [&] { return now_ >= t; });
    --waiters_;
    return reached;
  }
  // Threads blocked in wait_until: a test can advance once a thread is surely waiting.
  std::size_t waiters() const {
    std::lock_guard lock(mutex_);
    return waiters_;
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable_any cv_;
  Time now_;                 // guarded by mutex_
  std::size_t waiters_ = 0;  // guarded by mutex_
};

}  // namespace rill
