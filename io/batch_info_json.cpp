#include <optional>
#include <rill/io/batch_info_json.hpp>

namespace rill::detail {

namespace {

template <class D>
OrderedJson millis(const std::optional<D>& d) {
  return d ? OrderedJson(d->count()) : OrderedJson(nullptr);
}

}  // namespace

void add_batch_fields(OrderedJson& j, const BatchInfo& info) {
  j["batch_time_ms"] = info.batch_time.count();
  j["records"] = info.num_records;
  j["scheduling_delay_ms"] = millis(info.scheduling_delay);
  j["processing_delay_ms"] = millis(info.processing_delay);
  j["total_delay_ms"] = millis(info.total_delay);
  j["output_operations"] = info.output_operations;
  j["late_records"] = info.num_late_records;
  j["watermark_ms"] = millis(info.watermark);
  j["submission_time_ms"] = info.submission_time.count();
  j["processing_start_time_ms"] = millis(info.processing_start_time);
  j["processing_end_time_ms"] = millis(info.processing_end_time);
}

std::string dump_json(const OrderedJson& j) {
  return j.dump(-1, ' ', false, OrderedJson::error_handler_t::replace);
}

}  // namespace rill::detail
