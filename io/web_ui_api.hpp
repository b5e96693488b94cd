// The JSON documents of the web UI's API (Spark's /api/v1/.../streaming/batches and
// .../receivers), rendered from a BatchHistorySnapshot. Cost: linear in the history.
#pragma once
#include <cstdint>
#include <rill/io/batch_history.hpp>
#include <string>

namespace rill::detail {

// {"batch_interval_ms":..,"batches_completed":..,"records":..,"late_records":..,
//  "receiver_errors":..,"stream_errors":..,
//  "batches":[{<BatchInfo fields, as JsonBatchListener>}, ...]        (oldest first),
//  "active_batches":[{"status":"queued"|"processing", <BatchInfo fields>}, ...],
//  "receivers":[...as receivers_json...], "recent_stream_errors":[{"stream_id":..,
//  "stream":"..","error":"..","errors":..}, ...]}
// `last`: only the newest `last` completed batches (the totals still count all).
std::string batches_json(const BatchHistorySnapshot& s, std::size_t last = SIZE_MAX);
// [{"stream_id":..,"name":"..","active":true|false,"last_error":".."|null,"errors":..}, ...]
std::string receivers_json(const BatchHistorySnapshot& s);

}  // namespace rill::detail
