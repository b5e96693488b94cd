#include "iot_pipeline.hpp"

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <rill/rill.hpp>
#include <tuple>
#include <vector>

namespace iot {

struct Reading {
  std::int64_t ts = 0;  // the device's own time stamp, ms
  double temp = 0;
};

constexpr std::size_t kWindow = 5;  // the moving average is over a device's last 5 readings

// A device's last readings (at most kWindow, by ts) and how many distinct ones it sent.
struct DeviceState {
  std::vector<Reading> last;
  std::int64_t count = 0;
  double average() const {
    double sum = 0;
    for (auto& r : last) sum += r.temp;
    return last.empty() ? 0 : sum / static_cast<double>(last.size());
  }
};

// A device's readings in one event-time window; merged by reduce_by_key_and_window.
struct WindowAgg {
  std::int64_t readings = 0;
  double sum = 0;
  double max = 0;
  friend bool operator==(const WindowAgg&, const WindowAgg&) = default;
  friend auto operator<=>(const WindowAgg&, const WindowAgg&) = default;  // Windowed's <=>
};

}  // namespace iot

// map_with_state checkpoints its state.
template <>
struct rill::Serializer<iot::DeviceState> {
  static void write(std::ostream& os, const iot::DeviceState& s) {
    Serializer<std::int64_t>::write(os, s.count);
    detail::write_size(os, s.last.size());
    for (auto& r : s.last) Serializer<iot::Reading>::write(os, r);
  }
  static iot::DeviceState read(std::istream& is) {
    iot::DeviceState s;
    s.count = Serializer<std::int64_t>::read(is);
    s.last.resize(detail::read_size(is, iot::kWindow));
    for (auto& r : s.last) r = Serializer<iot::Reading>::read(is);
    return s;
  }
};

namespace iot {

using Alert =
    std::tuple<std::string, std::int64_t, std::string, double>;  // device, ts, kind, value
using Reject = std::tuple<std::string, std::string>;             // reason, payload
using Parsed = std::tuple<std::string, Reading, Reject>;         // device, reading; or a reject
// device, window_start, window_end (ms), readings, avg, max
using WindowRow = std::tuple<std::string, std::int64_t, std::int64_t, std::int64_t, double, double>;
using LateRow = std::tuple<std::string, std::int64_t, double>;  // device, ts, temp

// Printable and short: rejected payloads may be binary, and SQLite TEXT should be UTF-8.
std::string excerpt(const std::string& bytes, std::size_t max = 80) {
  std::string out;
  for (unsigned char c : bytes.substr(0, max)) {
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  return out;
}

// nlohmann::json rejects invalid UTF-8 inside strings, so a bad device id is a reject too.
Parsed parse(const rill::MqttMessage& m, bool fail_on_bad) {
  try {
    const auto j = nlohmann::json::parse(m.payload);
    const auto& device = j.at("device").get_ref<const std::string&>();
    if (device.empty()) throw std::invalid_argument("empty device id");
    return {device, Reading{j.at("ts").get<std::int64_t>(), j.at("temp").get<double>()}, {}};
  } catch (const std::exception& e) {
    if (fail_on_bad)
      throw std::runtime_error("iot_monitor: bad payload on " + m.topic + ": '" +
                               excerpt(m.payload) + "': " + excerpt(e.what(), 200));
    return {"", {}, {excerpt(e.what(), 200), excerpt(m.payload)}};
  }
}

// One call per reading of a device, and one when it times out. Readings are kept by ts,
// so a reading delivered twice (MQTT QoS 1 is at-least-once) changes nothing.
Alert track(const std::string& device, std::optional<Reading> r, rill::State<DeviceState>& st,
            double threshold) {
  if (st.is_timing_out()) {
    const auto& s = st.get();
    return {device, s.last.back().ts, "silent", s.average()};
  }
  DeviceState s = st.exists() ? st.get() : DeviceState{};
  auto at = std::lower_bound(s.last.begin(), s.last.end(), r->ts,
                             [](const Reading& a, std::int64_t ts) { return a.ts < ts; });
  if (at != s.last.end() && at->ts == r->ts) {
    *at = *r;
  } else {
    s.last.insert(at, *r);
    ++s.count;
    if (s.last.size() > kWindow) s.last.erase(s.last.begin());
  }
  st.update(std::move(s));
  if (r->temp > threshold) return {device, r->ts, "high", r->temp};
  return {};  // no alert: filtered out below
}

void build_pipeline(rill::DStream<rill::MqttMessage> messages, const PipelineOptions& o) {
  const bool fail = o.fail_on_bad;
  const double threshold = o.threshold;
  auto parsed = messages.map([fail](const rill::MqttMessage& m) { return parse(m, fail); });
  auto readings = parsed.filter([](const Parsed& p) { return !std::get<0>(p).empty(); })
                      .map([](const Parsed& p) {
                        return std::pair{std::get<0>(p), std::get<1>(p)};
                      });
  auto rejects = parsed.filter([](const Parsed& p) { return std::get<0>(p).empty(); })
                     .map([](const Parsed& p) { return std::get<2>(p); });

  auto tracked = readings.map_with_state(
      rill::state_spec([threshold](const std::string& device, std::optional<Reading> r,
                                   rill::State<DeviceState>& st) {
        return track(device, r, st, threshold);
      }).timeout(o.silent_after));
  auto alerts = tracked.filter([](const Alert& a) { return !std::get<0>(a).empty(); });
  auto stats = tracked.state_snapshots().map([](const std::pair<std::string, DeviceState>& p) {
    return std::tuple{p.first, p.second.count, p.second.last.back().ts, p.second.average()};
  });

  stats.foreach_rdd(rill::SqliteSink<std::tuple<std::string, std::int64_t, std::int64_t, double>>(
      o.db, "device_stats", {"device", "readings", "last_ts", "moving_avg"},
      rill::SinkMode::upsert));
  alerts.foreach_rdd(rill::SqliteSink<Alert>(o.db, "alerts", {"device", "ts", "kind", "value"},
                                             rill::SinkMode::upsert, 3));
  rejects.foreach_rdd(
      rill::SqliteSink<Reject>(o.db, "rejects", {"reason", "detail"}, rill::SinkMode::append));

  // Event time: the watermark follows the readings (rejects carry no ts), so a reading is
  // late when its ts is below (largest ts of the earlier batches) - delay.
  auto timed = readings.with_watermark(
      [](const std::pair<std::string, Reading>& r) { return rill::Time{r.second.ts}; },
      o.watermark_delay);
  auto windows =
      timed
          .map([](const std::pair<std::string, Reading>& r) {
            return std::pair{r.first, WindowAgg{1, r.second.temp, r.second.temp}};
          })
          .reduce_by_key_and_window(
              [](const WindowAgg& a, const WindowAgg& b) {
                return WindowAgg{a.readings + b.readings, a.sum + b.sum, std::max(a.max, b.max)};
              },
              o.window_length, o.window_slide, rill::OutputMode::append);
  windows
      .map([](const rill::Windowed<std::pair<std::string, WindowAgg>>& w) {
        const auto& [device, agg] = w.value;
        return WindowRow{device,
                         w.start.count(),
                         w.end.count(),
                         agg.readings,
                         agg.sum / static_cast<double>(agg.readings),
                         agg.max};
      })
      .foreach_rdd(rill::SqliteSink<WindowRow>(
          o.db, "device_windows",
          {"device", "window_start", "window_end", "readings", "avg", "max"},
          rill::SinkMode::upsert, 3));
  // Upsert on (device, ts): a late reading that MQTT delivers twice is one row.
  timed.late_records()
      .map([](const std::pair<std::string, Reading>& r) {
        return LateRow{r.first, r.second.ts, r.second.temp};
      })
      .foreach_rdd(rill::SqliteSink<LateRow>(o.db, "late_readings", {"device", "ts", "temp"},
                                             rill::SinkMode::upsert, 2));
}

}  // namespace iot
