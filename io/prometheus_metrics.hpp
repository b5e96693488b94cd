// The web UI's /metrics: a BatchHistorySnapshot in Prometheus' text exposition format
// (version 0.0.4: "# HELP" and "# TYPE" lines, then samples), the counterpart of Spark's
// PrometheusServlet for the streaming source. Cost: linear in the number of receivers.
#pragma once
#include <rill/io/batch_history.hpp>
#include <string>

namespace rill::detail {

// Counters: rill_batches_completed_total, rill_records_total, rill_late_records_total,
// rill_receiver_errors_total, rill_stream_errors_total. Gauges: rill_batch_interval_seconds,
// rill_batches_active{status}, rill_last_batch_time_seconds, rill_last_batch_records,
// rill_last_batch_{scheduling,processing,total}_delay_seconds, rill_watermark_seconds,
// rill_receiver_active{stream_id,name}. A gauge with no value yet (no batch completed,
// no watermark) has its HELP and TYPE lines but no sample.
std::string prometheus_metrics(const BatchHistorySnapshot& s);

// A label value with \, " and newline escaped as the format requires.
std::string prometheus_label_value(const std::string& v);

}  // namespace rill::detail
