// Time: a batch time, milliseconds since the streaming context's zero (Spark's Time).
// Batch times are zero + k * batch interval; totally ordered, usable as a std::map key.
#pragma once
#include <chrono>

namespace rill {

using Time = std::chrono::milliseconds;
using Duration = std::chrono::milliseconds;

}  // namespace rill
