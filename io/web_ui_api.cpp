#include <algorithm>
#include <rill/io/batch_info_json.hpp>
#include <rill/io/web_ui_api.hpp>

namespace rill::detail {

namespace {

OrderedJson receivers(const BatchHistorySnapshot& s) {
  auto out = OrderedJson::array();
  for (const auto& r : s.receivers) {
    OrderedJson j;
    j["stream_id"] = r.stream_id;
    j["name"] = r.name;
    j["active"] = r.active;
    j["last_error"] = r.last_error.empty() ? OrderedJson(nullptr) : OrderedJson(r.last_error);
    j["errors"] = r.errors;
    out.push_back(std::move(j));
  }
  return out;
}

}  // namespace

std::string batches_json(const BatchHistorySnapshot& s, std::size_t last) {
  OrderedJson doc;
  doc["batch_interval_ms"] = s.batch_interval.count();
  doc["batches_completed"] = s.batches_completed;
  doc["records"] = s.records;
  doc["late_records"] = s.late_records;
  doc["receiver_errors"] = s.receiver_errors;
  doc["stream_errors"] = s.stream_errors;
  auto& batches = doc["batches"] = OrderedJson::array();
  const auto first = s.completed.size() - std::min(last, s.completed.size());
  for (auto it = s.completed.begin() + static_cast<std::ptrdiff_t>(first); it != s.completed.end();
       ++it) {
    const auto& b = *it;
    OrderedJson j;
    add_batch_fields(j, b);
    batches.push_back(std::move(j));
  }
  auto& active = doc["active_batches"] = OrderedJson::array();
  for (const auto& b : s.active) {
    OrderedJson j;
    j["status"] = b.processing_start_time ? "processing" : "queued";
    add_batch_fields(j, b);
    active.push_back(std::move(j));
  }
  doc["receivers"] = receivers(s);
  auto& errors = doc["recent_stream_errors"] = OrderedJson::array();
  for (const auto& e : s.recent_stream_errors) {
    OrderedJson j;
    j["stream_id"] = e.stream_id;
    j["stream"] = e.name;
    j["error"] = e.message;
    j["errors"] = e.errors;
    errors.push_back(std::move(j));
  }
  return dump_json(doc);
}

std::string receivers_json(const BatchHistorySnapshot& s) {
  return dump_json(receivers(s));
}

}  // namespace rill::detail
