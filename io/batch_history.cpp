#include <rill/io/batch_history.hpp>
#include <stdexcept>

namespace rill {

BatchHistory::BatchHistory(Duration batch_interval, std::size_t capacity)
    : batch_interval_(batch_interval), capacity_(capacity) {
  if (capacity == 0) throw std::invalid_argument("BatchHistory: capacity must be > 0, got 0");
}

void BatchHistory::on_batch_submitted(const BatchInfo& info) {
  std::lock_guard lock(mutex_);
  active_[info.batch_time] = info;
}

void BatchHistory::on_batch_started(const BatchInfo& info) {
  std::lock_guard lock(mutex_);
  active_[info.batch_time] = info;
}

void BatchHistory::on_batch_completed(const BatchInfo& info) {
  std::lock_guard lock(mutex_);
  active_.erase(info.batch_time);
  completed_.push_back(info);
  if (completed_.size() > capacity_) completed_.pop_front();
  ++batches_completed_;
  records_ += info.num_records;
  late_records_ += info.num_late_records;
}

ReceiverStatus& BatchHistory::receiver(const ReceiverInfo& info) {
  auto& r = receivers_[info.stream_id];
  r.stream_id = info.stream_id;
  if (!info.name.empty()) r.name = info.name;
  return r;
}

void BatchHistory::on_receiver_started(const ReceiverInfo& info) {
  std::lock_guard lock(mutex_);
  receiver(info).active = true;
}

void BatchHistory::on_receiver_stopped(const ReceiverInfo& info) {
  std::lock_guard lock(mutex_);
  receiver(info).active = false;
}

void BatchHistory::on_receiver_error(const ReceiverInfo& info) {
  std::lock_guard lock(mutex_);
  auto& r = receiver(info);
  r.active = info.active;
  r.last_error = info.last_error;
  ++r.errors;
  ++receiver_errors_;
}

void BatchHistory::on_stream_error(const StreamErrorInfo& info) {
  std::lock_guard lock(mutex_);
  ++stream_errors_;
  stream_error_log_.push_back(info);
  if (stream_error_log_.size() > retained_stream_errors) stream_error_log_.pop_front();
}

BatchHistorySnapshot BatchHistory::snapshot() const {
  BatchHistorySnapshot s;
  s.batch_interval = batch_interval_;
  std::lock_guard lock(mutex_);
  s.completed.assign(completed_.begin(), completed_.end());
  s.active.reserve(active_.size());
  for (const auto& [t, b] : active_) s.active.push_back(b);
  s.batches_completed = batches_completed_;
  s.records = records_;
  s.late_records = late_records_;
  s.receiver_errors = receiver_errors_;
  s.stream_errors = stream_errors_;
  s.receivers.reserve(receivers_.size());
  for (const auto& [id, r] : receivers_) s.receivers.push_back(r);
  s.recent_stream_errors.assign(stream_error_log_.begin(), stream_error_log_.end());
  return s;
}

}  // namespace rill
