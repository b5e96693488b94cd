// The JSON fields of a BatchInfo, shared by JsonBatchListener's lines and the web UI's
// /api/batches, so both spell a batch the same way. Internal: only .cpp files include it.
#pragma once
#include <nlohmann/json.hpp>
#include <rill/dstream/streaming_listener.hpp>
#include <string>

namespace rill::detail {

// ordered_json: keys stay in the order written, for people reading the output.
using OrderedJson = nlohmann::ordered_json;

// batch_time_ms, records, scheduling/processing/total_delay_ms, output_operations,
// late_records, watermark_ms, submission_time_ms, processing_start/end_time_ms; times
// not known yet are null.
void add_batch_fields(OrderedJson& j, const BatchInfo& info);

// Receiver names, file names and errors come from the outside world and need not be
// valid UTF-8; a bad byte must not turn a monitoring line into an exception.
std::string dump_json(const OrderedJson& j);

}  // namespace rill::detail
