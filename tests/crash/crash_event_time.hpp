// The event-time part of the kill -9 job (crash_job.cpp) and of its check
// (crash_event_check.cpp): both derive a record's event time from its id, so the check
// can recompute watermarks, late records and windows from the batches the job output.
#pragma once

namespace rill::crash_test {

// Event time runs 2 ms per id (the feeder writes ~2.5 ids per ms, so ~5 event ms per
// real ms). Out of order: every tenth id (…3) is 600 ms behind, late (below the
// watermark) once a batch of higher ids was seen; …5 is 300 ms behind, late or not
// depending on where its batch starts (the case a kill and recovery must reproduce); …7
// is 100 ms behind, within the delay.
inline long event_time_ms(long id) {
  switch (id % 10) {
    case 3:
      return 2 * id - 600;
    case 5:
      return 2 * id - 300;
    case 7:
      return 2 * id - 100;
    default:
      return 2 * id;
  }
}

constexpr long kEventDelayMs = 200;
constexpr long kEventWindowMs = 400;
constexpr long kEventSlideMs = 200;

}  // namespace rill::crash_test
