// iot_monitor: sensor readings from MQTT -> per-device moving average (map_with_state)
// -> alerts (too hot, or silent for a while: the state timeout) -> SQLite, and per-device
// event-time windows (average and max temperature) on the readings' own ts, with the
// readings that came too late for them counted in a table of their own. The job is in
// iot_pipeline.cpp; this file has the command line and a generator of readings.
//
//   rill_iot_monitor --broker mqtt://127.0.0.1:1883 --db iot.db --generate --seconds 30
//   (event-time windows: --window 10 --slide 5 --watermark-delay 3, in seconds)
//
// Payloads are JSON: {"device": "d7", "ts": 1733100000000, "temp": 21.5} (ts in ms).
#include <mosquitto.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <rill/io/mqtt_uri.hpp>
#include <rill/rill.hpp>
#include <string>
#include <thread>

#include "iot_pipeline.hpp"

using namespace std::chrono_literals;

struct Options {
  std::string broker = "mqtt://127.0.0.1:1883", topic = "sensors/#", client_id;
  iot::PipelineOptions pipeline;
  int seconds = 0;  // 0: until SIGINT / SIGTERM
  int batch_ms = 1000, devices = 10;
  bool generate = false;
};

std::int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// --generate: devices publishing a reading every 100 ms (d0 runs hot now and then, d1
// falls silent half way), and now and then a payload that is not a reading. d2 also
// sends, once every 5 s, a reading it had buffered 20 s ago: a late one for the windows.
void generate(const Options& o, const std::atomic<bool>& stop) {
  const auto address = rill::detail::MqttUri::parse(o.broker);
  mosquitto_lib_init();
  mosquitto* m = mosquitto_new(nullptr, true, nullptr);
  if (mosquitto_connect(m, address.host.c_str(), address.port, 30) != MOSQ_ERR_SUCCESS) {
    std::cerr << "generator: cannot connect to " << o.broker << "\n";
    mosquitto_destroy(m);
    return;
  }
  mosquitto_loop_start(m);
  const auto start = std::chrono::steady_clock::now();
  const auto silence = std::chrono::seconds(o.seconds > 0 ? o.seconds : 60) / 2;
  for (long tick = 0; !stop; ++tick) {
    for (int d = 0; d < o.devices; ++d) {
      if (d == 1 && std::chrono::steady_clock::now() - start > silence) continue;
      const double temp =
          20 + d + 3 * std::sin(tick / 20.0 + d) + (d == 0 && tick % 50 > 40 ? 15 : 0);
      const auto id = "d" + std::to_string(d);
      std::string payload = nlohmann::json{{"device", id}, {"ts", now_ms()}, {"temp", temp}}.dump();
      if ((tick * o.devices + d) % 97 == 0)
        payload = tick % 2 ? "{\"device\": \"d" : "\xff\xfe not json";
      mosquitto_publish(m, nullptr, ("sensors/" + id).c_str(), static_cast<int>(payload.size()),
                        payload.data(), 1, false);
      if (d == 2 && tick % 50 == 49) {
        const auto old = nlohmann::json{{"device", id}, {"ts", now_ms() - 20000}, {"temp", temp}};
        const auto late = old.dump();
        mosquitto_publish(m, nullptr, ("sensors/" + id).c_str(), static_cast<int>(late.size()),
                          late.data(), 1, false);
      }
    }
    std::this_thread::sleep_until(start + (tick + 1) * 100ms);
  }
  mosquitto_disconnect(m);
  mosquitto_loop_stop(m, false);
  mosquitto_destroy(m);  // no mosquitto_lib_cleanup: the receiver still uses the library
}

std::atomic<bool> g_stop{false};

// "2.5" (seconds) -> 2500 ms; with_watermark rejects what is not > 0 (or >= 0 for the delay).
rill::Duration seconds_ms(const std::string& s) {
  return rill::Duration{static_cast<std::int64_t>(std::llround(std::stod(s) * 1000))};
}

int main(int argc, char** argv) try {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) throw std::invalid_argument(a + " needs a value");
      return argv[++i];
    };
    if (a == "--broker")
      o.broker = next();
    else if (a == "--topic")
      o.topic = next();
    else if (a == "--client-id")
      o.client_id = next();
    else if (a == "--db")
      o.pipeline.db = next();
    else if (a == "--threshold")
      o.pipeline.threshold = std::stod(next());
    else if (a == "--silent-after")
      o.pipeline.silent_after = std::chrono::seconds(std::stoi(next()));
    else if (a == "--window")
      o.pipeline.window_length = seconds_ms(next());
    else if (a == "--slide")
      o.pipeline.window_slide = seconds_ms(next());
    else if (a == "--watermark-delay")
      o.pipeline.watermark_delay = seconds_ms(next());
    else if (a == "--on-bad")
      o.pipeline.fail_on_bad = next() == "fail";
    else if (a == "--seconds")
      o.seconds = std::stoi(next());
    else if (a == "--batch-ms")
      o.batch_ms = std::stoi(next());
    else if (a == "--devices")
      o.devices = std::stoi(next());
    else if (a == "--generate")
      o.generate = true;
    else
      throw std::invalid_argument("unknown option " + a + " (see examples/README.md)");
  }
  signal(SIGINT, [](int) { g_stop = true; });
  signal(SIGTERM, [](int) { g_stop = true; });

  rill::Context ctx(rill::Config{.parallelism = 2});
  rill::StreamingContext ssc(ctx, std::chrono::milliseconds(o.batch_ms));
  const auto ckpt =
      std::filesystem::temp_directory_path() / ("rill-iot-" + std::to_string(::getpid()));
  ssc.checkpoint(ckpt.string());  // map_with_state needs it
  iot::build_pipeline(
      ssc.mqtt_stream(o.broker, o.topic, 1, rill::MqttOptions{.client_id = o.client_id}),
      o.pipeline);
  std::atomic<bool> generator_stop{false};
  std::thread generator;
  if (o.generate) generator = std::thread([&] { generate(o, generator_stop); });
  ssc.start();
  int rc = 0;
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(o.seconds);
  try {
    while (!g_stop && (o.seconds == 0 || std::chrono::steady_clock::now() < until))
      if (ssc.await_termination_or_timeout(50ms)) break;
  } catch (const std::exception& e) {  // --on-bad fail, or a database error
    std::cerr << "iot_monitor failed: " << e.what() << "\n";
    rc = 1;
  }
  generator_stop = true;
  if (generator.joinable()) generator.join();
  ssc.stop(true, /*graceful=*/rc == 0);
  std::filesystem::remove_all(ckpt);
  std::cout << "stopped; results in " << o.pipeline.db
            << " (tables device_stats, alerts, rejects, device_windows, late_readings)\n";
  return rc;
} catch (const std::exception& e) {
  std::cerr << "iot_monitor: " << e.what() << "\n";
  return 2;
}
