// JsonBatchListener: a StreamingListener that appends one JSON object per line to a file
// (the machine-readable side of Spark's streaming UI): one line per completed batch with
// its record count and delays in milliseconds, and one line per receiver error and per
// input stream error. Each line is flushed as written, so the file can be tailed while
// the context runs.
#pragma once
#include <fstream>
#include <mutex>
#include <rill/dstream/streaming_listener.hpp>
#include <string>

namespace rill {

class JsonBatchListener final : public StreamingListener {
 public:
  // Creates (truncates) the file; throws std::runtime_error if it cannot be opened.
  explicit JsonBatchListener(std::string path);

  // {"event":"batch_completed","batch_time_ms":..,"records":..,"scheduling_delay_ms":..,
  //  "processing_delay_ms":..,"total_delay_ms":..,"output_operations":..,"late_records":..,
  //  "watermark_ms":..,"submission_time_ms":..,"processing_start_time_ms":..,
  //  "processing_end_time_ms":..}; unknown delays and times are null.
  void on_batch_completed(const BatchInfo& info) override;
  // {"event":"receiver_error","stream_id":..,"receiver":"..","error":".."}
  void on_receiver_error(const ReceiverInfo& info) override;
  // {"event":"stream_error","stream_id":..,"stream":"..","error":"..","errors":..}
  void on_stream_error(const StreamErrorInfo& info) override;

  const std::string& path() const { return path_; }

 private:
  void write_line(const std::string& line);

  const std::string path_;
  std::mutex mutex_;  // one listener may serve several contexts; lines must not interleave
  std::ofstream out_;
};

}  // namespace rill
