// SinkMode: how a database sink (SqliteSink, PostgresSink) writes a batch's elements —
// one row each (append), or one row per key holding its newest value (upsert, Spark's
// "update" output mode for keyed aggregates). Cost: none here; see the sinks.
#pragma once

namespace rill {

enum class SinkMode {
  append,  // INSERT each element as a row
  upsert,  // INSERT ... ON CONFLICT(key columns) DO UPDATE: a key's row holds its newest value
};

}  // namespace rill
