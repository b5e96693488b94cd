#include <rill/io/batch_info_json.hpp>
#include <rill/io/json_batch_listener.hpp>
#include <stdexcept>

namespace rill {

namespace {
using detail::dump_json;
using Json = detail::OrderedJson;
}  // namespace

JsonBatchListener::JsonBatchListener(std::string path)
    : path_(std::move(path)), out_(path_, std::ios::out | std::ios::trunc) {
  if (!out_) throw std::runtime_error("JsonBatchListener: cannot open " + path_ + " for writing");
}

void JsonBatchListener::on_batch_completed(const BatchInfo& info) {
  Json j;
  j["event"] = "batch_completed";
  detail::add_batch_fields(j, info);
  write_line(dump_json(j));
}

void JsonBatchListener::on_receiver_error(const ReceiverInfo& info) {
  Json j;
  j["event"] = "receiver_error";
  j["stream_id"] = info.stream_id;
  j["receiver"] = info.name;
  j["error"] = info.last_error;
  write_line(dump_json(j));
}

void JsonBatchListener::on_stream_error(const StreamErrorInfo& info) {
  Json j;
  j["event"] = "stream_error";
  j["stream_id"] = info.stream_id;
  j["stream"] = info.name;
  j["error"] = info.message;
  j["errors"] = info.errors;
  write_line(dump_json(j));
}

void JsonBatchListener::write_line(const std::string& line) {
  std::lock_guard lock(mutex_);
  out_ << line << '\n';
  out_.flush();
}

}  // namespace rill
