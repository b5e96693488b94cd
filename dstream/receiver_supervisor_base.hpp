// ReceiverSupervisorBase: the untyped view the job scheduler has of a running receiver
// (Spark's ReceiverSupervisor as seen by the ReceiverTracker): start, stop, and whether
// records are still waiting to be allocated to a batch.
#pragma once
#include <functional>
#include <rill/dstream/clock.hpp>
#include <rill/dstream/streaming_listener.hpp>
#include <stop_token>

namespace rill::detail {

enum class ReceiverEvent { started, stopped, error };

// What a receiver needs from its StreamingContext, fixed at start().
struct ReceiverEnv {
  Clock* clock = nullptr;
  Duration block_interval{200};
  std::int64_t max_rate = 0;  // records/s; 0 = unlimited
  Duration rate_burst{1000};  // the most the limiter lets through at once, as time at max_rate
  bool backpressure = false;  // a limiter exists even without max_rate, for update_rate
  Duration restart_delay{100};
  std::function<void(ReceiverEvent, const ReceiverInfo&)> report;
};

class ReceiverSupervisorBase {
 public:
  virtual ~ReceiverSupervisorBase() = default;
  virtual void start(const ReceiverEnv& env) = 0;
  // Stops the receiver (on_stop) and turns what it stored into blocks; returns once the
  // receiver's thread has ended.
  virtual void stop() = 0;
  virtual bool has_unallocated_data() const = 0;
  // Backpressure: the new limit in records/s (capped by Config::receiver_max_rate).
  virtual void update_rate(std::int64_t records_per_second) = 0;
};

}  // namespace rill::detail
