// Helpers shared by the DStream tests: a StreamingContext on a ManualClock that runs
// batches one by one, and a collector that records each batch's RDD contents.
#pragma once
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <rill/rill.hpp>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace rill::test {

using namespace std::chrono_literals;

struct StreamHarness {
  explicit StreamHarness(Duration interval = 100ms, Config config = Config{.parallelism = 2})
      : ctx(config),
        clock(std::make_shared<ManualClock>()),
        ssc(ctx, interval, clock),
        interval(interval) {}

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
  std::deque<Rdd<T>> queue_of(const std::vector<std::vector<T>>& batches,
                              std::int64_t partitions = 2) {
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

// A fresh directory under /tmp, removed with the object.
struct TempDir {
  TempDir() {
    std::string tmpl =
        (std::filesystem::temp_directory_path() / "rill-dstream-test-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::string str() const { return path.string(); }
  std::filesystem::path path;
};

// Deterministic pair batches: keys 0..keys-1, values 1..9, every `empty_every`-th batch empty.
inline std::vector<std::vector<std::pair<int, int>>> pair_batches(int n, int keys,
                                                                  int empty_every = 4,
                                                                  unsigned seed = 11) {
  std::mt19937 rng(seed);
  std::vector<std::vector<std::pair<int, int>>> out(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    if (empty_every > 0 && i % empty_every == empty_every - 1) continue;
    const int len = 1 + static_cast<int>(rng() % 6);
    for (int k = 0; k < len; ++k)
      out[static_cast<std::size_t>(i)].emplace_back(
          static_cast<int>(rng() % static_cast<unsigned>(keys)), 1 + static_cast<int>(rng() % 9));
  }
  return out;
}

template <class T>
std::vector<T> sorted(std::vector<T> v) {
  std::sort(v.begin(), v.end());
  return v;
}

// A receiver that only runs: the test stores through it (store() from the test thread).
template <class T>
class HandFedReceiver final : public Receiver<T> {
 public:
  void on_start() override {
    std::lock_guard lock(m_);
    started_ = true;
    cv_.notify_all();
  }
  void on_stop() override {}
  void wait_started() {
    std::unique_lock lock(m_);
    if (!cv_.wait_for(lock, std::chrono::seconds(30), [&] { return started_; }))
      throw std::runtime_error("HandFedReceiver: not started within 30 s");
  }

 private:
  std::mutex m_;
  std::condition_variable cv_;
  bool started_ = false;
};

// What each batch output (sorted), with one batch that can be held inside its output
// operation: crash_copy() copies the checkpoint directory while that batch is "running at
// the crash", which is what a restart from the copy sees.
template <class T>
class CrashableOutput {
 public:
  std::optional<Time> hold;  // set before the run starts

  auto recorder() {
    return [this](const Rdd<T>& r, Time t) {
      auto v = sorted(r.collect());
      std::unique_lock lock(m_);
      out_[t] = std::move(v);
      if (hold == t) {
        holding_ = true;
        cv_.notify_all();
        cv_.wait(lock, [&] { return release_; });
      }
    };
  }
  // Waits until the held batch is inside its output, runs `at_crash`, copies from -> to,
  // then lets the batch go on.
  void crash_copy(const std::filesystem::path& from, const std::filesystem::path& to,
                  const std::function<void()>& at_crash = {}) {
    {
      std::unique_lock lock(m_);
      if (!cv_.wait_for(lock, std::chrono::seconds(30), [&] { return holding_; }))
        throw std::runtime_error("CrashableOutput: the held batch did not start within 30 s");
    }
    if (at_crash) at_crash();
    std::filesystem::copy(from, to, std::filesystem::copy_options::recursive);
    {
      std::lock_guard lock(m_);
      release_ = true;
    }
    cv_.notify_all();
  }
  std::map<Time, std::vector<T>> outputs() const {
    std::lock_guard lock(m_);
    return out_;
  }

 private:
  mutable std::mutex m_;
  std::condition_variable cv_;
  std::map<Time, std::vector<T>> out_;  // guarded by m_
  bool holding_ = false, release_ = false;
};

// Every on_stream_error event, in order.
struct StreamErrorRecorder : StreamingListener {
  void on_stream_error(const StreamErrorInfo& e) override {
    std::lock_guard lock(m);
    errors.push_back(e);
  }
  std::mutex m;
  std::vector<StreamErrorInfo> errors;
};

// What a long run retained: the RDDs the streams hold and the partitions the context
// caches, at batch 1000 and at most from then on (bounded-memory tests).
struct RetentionPeaks {
  std::size_t retained_at_1000 = 0, cached_at_1000 = 0, max_retained = 0, max_cached = 0;
};
// Runs n batches one by one (interval each), calling after_batch(i) after batch i.
inline RetentionPeaks run_tracking_retention(StreamHarness& h, int n,
                                             const std::function<void(int)>& after_batch = {}) {
  RetentionPeaks r;
  for (int i = 1; i <= n; ++i) {
    h.clock->advance(h.interval);
    h.ssc.await_batch_completed(h.clock->now());
    if (i >= 1000) {
      r.max_retained = std::max(r.max_retained, h.ssc.retained_rdds());
      r.max_cached = std::max(r.max_cached, h.ctx.cached_partitions());
    }
    if (i == 1000) {
      r.retained_at_1000 = h.ssc.retained_rdds();
      r.cached_at_1000 = h.ctx.cached_partitions();
    }
    if (after_batch) after_batch(i);
  }
  return r;
}

}  // namespace rill::test
