// StreamingListener: callbacks on batch, receiver and input stream events (Spark's
// StreamingListener). Called from the streaming context's threads, one event at a time
// per context, in order.
#pragma once
#include <cstdint>
#include <optional>
#include <rill/dstream/time.hpp>
#include <string>

namespace rill {

struct BatchInfo {
  Time batch_time{0};
  std::int64_t num_records = 0;  // records the input streams brought into this batch
  Time submission_time{0};       // clock time the batch's jobs were generated
  std::optional<Time> processing_start_time;
  std::optional<Time> processing_end_time;
  // Spark's definitions: scheduling = start - submission, processing = end - start,
  // total = end - batch_time. Set once the respective times are known.
  std::optional<Duration> scheduling_delay;
  std::optional<Duration> processing_delay;
  std::optional<Duration> total_delay;
  std::size_t output_operations = 0;
  // Event time, over every with_watermark stream: records of this batch below the
  // watermark in effect, and the smallest watermark after the batch (none while any of
  // those streams has none, or when there are none).
  std::int64_t num_late_records = 0;
  std::optional<Time> watermark;
};

struct ReceiverInfo {
  int stream_id = 0;
  std::string name;
  bool active = false;
  std::string last_error;  // for on_receiver_error
};

// An error of an input stream that is not a receiver (a file text_file_stream cannot
// read); receivers report theirs as on_receiver_error.
struct StreamErrorInfo {
  int stream_id = 0;
  std::string name;  // "text_file_stream stream [0]"
  std::string message;
  std::int64_t errors = 0;  // this stream's errors so far, this one included
};

class StreamingListener {
 public:
  virtual ~StreamingListener() = default;
  virtual void on_batch_submitted(const BatchInfo&) {}
  virtual void on_batch_started(const BatchInfo&) {}
  virtual void on_batch_completed(const BatchInfo&) {}
  virtual void on_receiver_started(const ReceiverInfo&) {}
  virtual void on_receiver_stopped(const ReceiverInfo&) {}
  virtual void on_receiver_error(const ReceiverInfo&) {}
  virtual void on_stream_error(const StreamErrorInfo&) {}
};

}  // namespace rill
