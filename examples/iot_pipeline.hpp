// The job of the iot_monitor example (examples/iot_monitor.cpp): sensor readings as JSON
// MQTT payloads -> per-device moving average with map_with_state -> alerts ('high' per
// reading above a threshold, 'silent' once when a device's state times out) -> SQLite;
// and per-device event-time windows on the readings' own ts (with_watermark, append mode)
// with the readings too late for them recorded, not dropped. Apart from main() so that its test
// runs it on a manual clock. Needs ssc.checkpoint().
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
  // Event-time windows [k*slide, k*slide + length) on the reading's ts; a window is written
  // once, when the watermark (largest ts seen in earlier batches - delay) passes its end.
  rill::Duration window_length{10000};
  rill::Duration window_slide{5000};
  rill::Duration watermark_delay{3000};
};

// Tables (created in o.db): device_stats(device, readings, last_ts, moving_avg), upsert;
// alerts(device, ts, kind, value), upsert on (device, ts, kind); rejects(reason, detail);
// device_windows(device, window_start, window_end, readings, avg, max), upsert on (device,
// window_start, window_end); late_readings(device, ts, temp), upsert on (device, ts): the
// readings whose ts was below the watermark when they came (left out of device_windows,
// still in device_stats and alerts).
void build_pipeline(rill::DStream<rill::MqttMessage> messages, const PipelineOptions& o);

}  // namespace iot
