// BatchHistory: a StreamingListener that keeps what a monitoring page shows — the last
// `capacity` completed batches, the batches queued or running, running totals, each
// receiver's state and the recent input stream errors (Spark's
// StreamingJobProgressListener behind the Streaming tab). Thread-safe: events arrive on
// the listener bus thread, snapshot() is called from any thread (HTTP server threads);
// both take one mutex for O(1) work per event, and a snapshot copies the history.
#pragma once
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <rill/dstream/streaming_listener.hpp>
#include <string>
#include <vector>

namespace rill {

struct ReceiverStatus {
  int stream_id = 0;
  std::string name;
  bool active = false;
  std::string last_error;   // empty while it has reported none
  std::int64_t errors = 0;  // on_receiver_error events so far
};

struct BatchHistorySnapshot {
  Duration batch_interval{0};
  std::vector<BatchInfo> completed;  // oldest first, at most capacity()
  std::vector<BatchInfo> active;     // submitted, not completed; by batch time
  // Totals over every completed batch, also those no longer in `completed`.
  std::int64_t batches_completed = 0;
  std::int64_t records = 0;
  std::int64_t late_records = 0;
  std::int64_t receiver_errors = 0;
  std::int64_t stream_errors = 0;
  std::vector<ReceiverStatus> receivers;              // by stream id
  std::vector<StreamErrorInfo> recent_stream_errors;  // oldest first, at most 100
};

class BatchHistory final : public StreamingListener {
 public:
  // Spark's spark.streaming.ui.retainedBatches defaults to 1000 as well.
  static constexpr std::size_t default_capacity = 1000;
  static constexpr std::size_t retained_stream_errors = 100;

  // capacity 0 is std::invalid_argument naming it. batch_interval is only reported.
  explicit BatchHistory(Duration batch_interval, std::size_t capacity = default_capacity);

  void on_batch_submitted(const BatchInfo& info) override;
  void on_batch_started(const BatchInfo& info) override;
  void on_batch_completed(const BatchInfo& info) override;
  void on_receiver_started(const ReceiverInfo& info) override;
  void on_receiver_stopped(const ReceiverInfo& info) override;
  void on_receiver_error(const ReceiverInfo& info) override;
  void on_stream_error(const StreamErrorInfo& info) override;

  BatchHistorySnapshot snapshot() const;
  std::size_t capacity() const { return capacity_; }

 private:
  ReceiverStatus& receiver(const ReceiverInfo& info);  // mutex_ held

  const Duration batch_interval_;
  const std::size_t capacity_;
  mutable std::mutex mutex_;  // guards everything below
  std::deque<BatchInfo> completed_;
  std::map<Time, BatchInfo> active_;
  std::int64_t batches_completed_ = 0;
  std::int64_t records_ = 0;
  std::int64_t late_records_ = 0;
  std::int64_t receiver_errors_ = 0;
  std::int64_t stream_errors_ = 0;
  std::map<int, ReceiverStatus> receivers_;
  std::deque<StreamErrorInfo> stream_error_log_;
};

}  // namespace rill
