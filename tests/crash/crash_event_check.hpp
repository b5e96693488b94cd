// The event-time check of the kill -9 test: API.md's event-time rules applied serially to
// the batches as the job's ids outputs show them, compared with what the job output.
#pragma once

#include <cstddef>
#include <map>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

namespace rill::crash_test {

// Per batch time, the lines of one output (evwin-, evupd-, late- or wm-<time>).
using BatchLines = std::map<long, std::vector<std::string>>;

struct EventOutputs {
  BatchLines windows, updates, late, watermarks;  // append, update mode, late ids, watermarks
  BatchLines single_reader_windows;               // append mode again, from a chain of its own
};

// The batches' watermarks, late ids, closed and updated windows (crash_event_time.hpp)
// recomputed from ids_by_batch and records (id -> key, value; ids not in it are skipped:
// the caller reports them), against got. Every batch must have all six outputs. Writes up to
// `shown` mismatches to details; returns how many batches mismatched.
long check_event_time(const std::map<long, std::vector<long>>& ids_by_batch,
                      const std::map<long, std::pair<std::string, long>>& records,
                      const EventOutputs& got, std::ostream& details, std::size_t shown);

}  // namespace rill::crash_test
