// ReceiverSupervisor<T>: runs one Receiver<T> (Spark's ReceiverSupervisorImpl). on_start
// runs on the supervisor's own thread; store() goes through the rate limiter into the
// block generator; restart() stops the receiver (on_stop), waits a moment and starts it
// again; report_error() reaches the listeners. Started/stopped events are posted for
// every (re)start.
//
// With a write-ahead log, the block generator only ever holds logged data, in log order:
// a stored vector is appended to the log and handed to the block generator under one
// lock, and its store() returns once the log has it on disk (Spark's reliable receiver);
// single records are gathered and logged as a block when the batch takes them (or every
// kLoggedChunk records), so they are lost if the process dies before that. The batch's
// marker goes to the log under the same lock, so it covers exactly the blocks it takes.
#pragma once
#include <algorithm>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <rill/dstream/block_codec.hpp>
#include <rill/dstream/block_generator.hpp>
#include <rill/dstream/rate_limiter.hpp>
#include <rill/dstream/receiver.hpp>
#include <rill/dstream/receiver_supervisor_base.hpp>
#include <rill/io/write_ahead_log.hpp>
#include <thread>

namespace rill::detail {

template <class T>
class ReceiverSupervisor final : public ReceiverSupervisorBase, public ReceiverSink<T> {
 public:
  explicit ReceiverSupervisor(std::unique_ptr<Receiver<T>> receiver)
      : receiver_(std::move(receiver)) {
    if (!receiver_) throw std::invalid_argument("receiver_stream: receiver must not be null");
  }
  ~ReceiverSupervisor() override { stop(); }

  void set_stream_id(int id) { stream_id_ = id; }
  Receiver<T>& receiver() { return *receiver_; }

  void start(const ReceiverEnv& env) override {
    env_ = env;
    if (env.max_rate > 0 || env.backpressure)
      limiter_.emplace(*env.clock, env.max_rate, env.rate_burst);
    blocks_.start(*env.clock, env.block_interval);
    thread_ = std::thread([this] { run(); });
  }

  void stop() override {
    {
      std::lock_guard lock(mutex_);
      stop_requested_ = true;
    }
    receiver_->set_stopped(true);
    cv_.notify_all();
    stop_source_.request_stop();  // ends a rate-limit wait
    if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
    blocks_.stop();
  }

  bool has_unallocated_data() const override {
    if (blocks_.has_data()) return true;
    std::lock_guard lock(log_mutex_);
    return !singles_.empty();
  }
  void update_rate(std::int64_t rate) override {
    if (!limiter_) return;
    if (env_.max_rate > 0) rate = std::min(rate, env_.max_rate);
    limiter_->set_rate(std::max<std::int64_t>(rate, 1));
  }
  // The current limit (0: none), for tests and monitoring.
  std::int64_t rate() const { return limiter_ ? limiter_->rate() : 0; }
  // What was stored so far, for batch t; with a write-ahead log, t's marker is logged.
  std::vector<typename BlockGenerator<T>::Block> take_blocks(Time t) {
    if (!wal_) return blocks_.take_blocks();
    std::lock_guard lock(log_mutex_);
    flush_singles_locked();
    wal_->mark_batch(t);
    return blocks_.take_blocks();
  }
  // Before start(): every block is logged first.
  void set_write_ahead_log(WriteAheadLog* wal) { wal_ = wal; }

  // ---- ReceiverSink: called by the receiver, from any thread ----
  void store(T record) override {
    limit(1);
    if (!wal_) return blocks_.add(std::move(record));
    std::lock_guard lock(log_mutex_);
    singles_.push_back(std::move(record));
    if (singles_.size() >= kLoggedChunk) flush_singles_locked();
  }
  void store(std::vector<T> records) override {
    limit(static_cast<std::int64_t>(records.size()));
    if (!wal_) return blocks_.add(std::move(records));
    if (records.empty()) return;
    const auto bytes = encode_block(records);  // outside the lock: storers run in parallel
    std::uint64_t end;
    {
      std::lock_guard lock(log_mutex_);
      flush_singles_locked();  // what was stored earlier stays earlier in the log
      end = wal_->append(bytes);
      blocks_.add(std::move(records));
    }
    wal_->sync_to(end);
  }
  void restart(const std::string& reason) override {
    {
      std::lock_guard lock(mutex_);
      restart_requested_ = true;
      restart_reason_ = reason;
    }
    receiver_->set_stopped(true);
    cv_.notify_all();
  }
  void report_error(const std::string& message) override {
    report(ReceiverEvent::error, true, message);
  }

 private:
  static constexpr std::size_t kLoggedChunk = 1024;

  void flush_singles_locked() {
    if (singles_.empty()) return;
    wal_->append(encode_block(singles_));
    blocks_.add(std::exchange(singles_, {}));
  }

  void limit(std::int64_t n) {
    if (limiter_) limiter_->acquire(n, stop_source_.get_token());
  }

  void report(ReceiverEvent ev, bool active, const std::string& error = {}) {
    if (!env_.report) return;
    ReceiverInfo info;
    info.stream_id = stream_id_;
    info.name = receiver_->name();
    info.active = active;
    info.last_error = error;
    env_.report(ev, info);
  }

  void run() {
    while (true) {
      {
        std::lock_guard lock(mutex_);
        if (stop_requested_) return;
        restart_requested_ = false;
        // Under the lock: a concurrent stop() either saw nothing yet (and sets
        // stopped after this) or already made us return above.
        receiver_->attach(this);
        receiver_->set_stopped(false);
      }
      report(ReceiverEvent::started, true);
      // Anything on_start throws, std::exception or not (`throw 42;`), is reported and
      // restarts the receiver: escaping, it would end this thread and the process.
      std::optional<std::string> start_error;
      try {
        receiver_->on_start();
      } catch (const std::exception& e) {
        start_error = std::string("on_start failed: ") + e.what();
      } catch (...) {
        start_error = "on_start failed: unknown exception";
      }
      if (start_error) {
        report(ReceiverEvent::error, true, *start_error);
        restart(*start_error);
      }
      {
        std::unique_lock lock(mutex_);
        cv_.wait(lock, [&] { return stop_requested_ || restart_requested_; });
      }
      receiver_->set_stopped(true);
      try {
        receiver_->on_stop();
      } catch (const std::exception& e) {
        report(ReceiverEvent::error, false, std::string("on_stop failed: ") + e.what());
      } catch (...) {
        report(ReceiverEvent::error, false, "on_stop failed: unknown exception");
      }
      report(ReceiverEvent::stopped, false);
      std::unique_lock lock(mutex_);
      if (stop_requested_) return;
      // Spark waits before restarting so a failing source is not hammered.
      cv_.wait_for(lock, env_.restart_delay, [&] { return stop_requested_; });
    }
  }

  std::unique_ptr<Receiver<T>> receiver_;
  int stream_id_ = 0;
  ReceiverEnv env_;                     // set by start(), before the thread exists
  std::optional<RateLimiter> limiter_;  // set by start()
  BlockGenerator<T> blocks_;
  WriteAheadLog* wal_ = nullptr;  // set before start(), owned by the input stream
  mutable std::mutex log_mutex_;  // log order == block order; taken before blocks_' lock
  std::vector<T> singles_;        // guarded by log_mutex_: stored one by one, not yet logged
  std::mutex mutex_;
  std::condition_variable cv_;
  bool stop_requested_ = false;     // guarded by mutex_
  bool restart_requested_ = false;  // guarded by mutex_
  std::string restart_reason_;      // guarded by mutex_
  std::stop_source stop_source_;    // made before the thread; thread safe
  std::thread thread_;              // started by start(), joined by stop()
};

}  // namespace rill::detail
