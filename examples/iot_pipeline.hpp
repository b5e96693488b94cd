// The job of the iot_monitor example (examples/iot_monitor.cpp): sensor readings as JSON
// MQTT payloads -> per-device moving average with map_with_state -> alerts ('high' per
// reading above a threshold, 'silent' once when a device's state times out) -> SQLite.
// Apart from main() so that its test runs it on a manual clock. Needs ssc.checkpoint().
#pragma once
#include <rill/dstream/dstream.hpp>
#include <rill/dstream/time.hpp>
#include <rill/io/mqtt_message.hpp>
#include <string>

namespace iot {

struct PipelineOptions {
  std::string db = "iot.db";
  double threshold = 30;               // a reading above it is a 'high' alert
  rill::Duration silent_after{10000};  // no reading for longer: one 'silent' alert, state dropped
  bool fail_on_bad = false;  // a payload that is not a reading fails the batch (else: rejects)
};

// Tables (created in o.db): device_stats(device, readings, last_ts, moving_avg), upsert;
// alerts(device, ts, kind, value), upsert on (device, ts, kind); rejects(reason, detail).
void build_pipeline(rill::DStream<rill::MqttMessage> messages, const PipelineOptions& o);

}  // namespace iot
