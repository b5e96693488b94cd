#include <nlohmann/json.hpp>
#include <optional>
#include <rill/io/json_batch_listener.hpp>
#include <stdexcept>

namespace rill {

namespace {

// ordered_json: keys stay in the order written, "event" first, for people reading the file.
using Json = nlohmann::ordered_json;

Json millis(const std::optional<Duration>& d) {
  return d ? Json(d->count()) : Json(nullptr);
}

// Receiver names, file names and errors come from the outside world and need not be valid UTF-8;
// a bad byte must not turn a monitoring line into an exception.
std::string dump(const Json& j) {
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace

JsonBatchListener::JsonBatchListener(std::string path)
    : path_(std::move(path)), out_(path_, std::ios::out | std::ios::trunc) {
  if (!out_) throw std::runtime_error("JsonBatchListener: cannot open " + path_ + " for writing");
}

void JsonBatchListener::on_batch_completed(const BatchInfo& info) {
  Json j;
  j["event"] = "batch_completed";
  j["batch_time_ms"] = info.batch_time.count();
  j["records"] = info.num_records;
  j["scheduling_delay_ms"] = millis(info.scheduling_delay);
  j["processing_delay_ms"] = millis(info.processing_delay);
  j["total_delay_ms"] = millis(info.total_delay);
  j["output_operations"] = info.output_operations;
  j["late_records"] = info.num_late_records;
  j["watermark_ms"] = info.watermark ? Json(info.watermark->count()) : Json(nullptr);
  write_line(dump(j));
}

void JsonBatchListener::on_receiver_error(const ReceiverInfo& info) {
  Json j;
  j["event"] = "receiver_error";
  j["stream_id"] = info.stream_id;
  j["receiver"] = info.name;
  j["error"] = info.last_error;
  write_line(dump(j));
}

void JsonBatchListener::on_stream_error(const StreamErrorInfo& info) {
  Json j;
  j["event"] = "stream_error";
  j["stream_id"] = info.stream_id;
  j["stream"] = info.name;
  j["error"] = info.message;
  j["errors"] = info.errors;
  write_line(dump(j));
}

void JsonBatchListener::write_line(const std::string& line) {
  std::lock_guard lock(mutex_);
  out_ << line << '\n';
  out_.flush();
}

}  // namespace rill
