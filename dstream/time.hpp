// Time: a batch time in milliseconds (Spark's Time). With the SystemClock it is
// milliseconds since the Unix epoch and batch times are multiples of the batch interval on
// that line, so they continue across processes; a ManualClock starts where a test says.
// Totally ordered, usable as a std::map key.
#pragma once
#include <chrono>

namespace rill {

using Time = std::chrono::milliseconds;
using Duration = std::chrono::milliseconds;

}  // namespace rill
