// The iot_monitor example's job (examples/iot_pipeline.cpp) against a real mosquitto, on
// a manual clock: the test publishes readings (out of order, some too late for the
// event-time windows) and bad payloads, waits until the receiver has them, runs a batch,
// and finally compares the SQLite tables with a reference computed here from what it
// published: for the windows, a serial loop over the batches of API.md's event-time rules.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <rill/io/mqtt_receiver.hpp>
#include <rill/rill.hpp>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "dstream/stream_test_support.hpp"
#include "io/mosquitto_broker.hpp"
#include "iot_pipeline.hpp"

namespace rill::test {
namespace {

using namespace std::chrono_literals;

std::vector<std::vector<std::string>> query_rows(const std::string& db, const std::string& sql) {
  sqlite3* h = nullptr;
  if (sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    sqlite3_close(h);
    return {};  // not created yet
  }
  std::vector<std::vector<std::string>> rows;
  sqlite3_exec(
      h, sql.c_str(),
      [](void* out, int n, char** values, char**) {
        auto& r = static_cast<std::vector<std::vector<std::string>>*>(out)->emplace_back();
        for (int i = 0; i < n; ++i) r.emplace_back(values[i] ? values[i] : "NULL");
        return 0;
      },
      &rows, nullptr);
  sqlite3_close(h);
  return rows;
}

// The job on a manual clock, fed by an MqttReceiver the test can watch.
struct IotRun {
  IotRun(const MosquittoBroker& broker, const iot::PipelineOptions& options)
      : ctx(Config{.parallelism = 2}),
        clock(std::make_shared<ManualClock>()),
        ssc(ctx, 100ms, clock) {
    ssc.checkpoint(ckpt.str());
    auto owned = std::make_unique<detail::MqttReceiver>(broker.uri(), "sensors/#", 1);
    receiver = owned.get();
    iot::build_pipeline(ssc.receiver_stream(std::move(owned)), options);
    ssc.start();
    wait_for([&] { return receiver->subscriptions() >= 1; });
  }
  template <class Pred>
  void wait_for(Pred pred) {
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (!pred()) {
      if (std::chrono::steady_clock::now() > deadline)
        throw std::runtime_error("IotRun: timed out");
      std::this_thread::sleep_for(1ms);
    }
  }
  // One batch with everything published so far (n messages in all) in it.
  void batch_with(std::uint64_t n) {
    wait_for([&] { return receiver->messages() >= n; });
    clock->advance(100ms);
    ssc.await_batch_completed(clock->now());
  }

  TempDir ckpt;
  Context ctx;
  std::shared_ptr<ManualClock> clock;
  StreamingContext ssc;
  detail::MqttReceiver* receiver = nullptr;
};

std::string reading(const std::string& device, std::int64_t ts, double temp) {
  return "{\"device\":\"" + device + "\",\"ts\":" + std::to_string(ts) +
         ",\"temp\":" + std::to_string(temp) + "}";
}

// One reading as published: device, ts (ms), temp.
using Published = std::tuple<std::string, std::int64_t, double>;

// device_windows and late_readings as API.md defines them, batch by batch: windows
// [k*slide, k*slide + length), the watermark in effect for a batch is the one after the
// batch before (max ts seen - delay), a reading below it is late, and a (device, window) is
// written once, in the first batch whose watermark in effect is >= the window's end.
struct WindowReference {
  std::int64_t length, slide, delay;
  std::optional<std::int64_t> wm, max_seen;
  struct Agg {
    std::int64_t n = 0;
    double sum = 0, max = -std::numeric_limits<double>::infinity();
  };
  std::map<std::tuple<std::string, std::int64_t, std::int64_t>, Agg> open;
  std::vector<std::tuple<std::string, std::int64_t, std::int64_t, std::int64_t, double, double>>
      closed;
  std::vector<Published> late;

  void batch(const std::vector<Published>& readings) {
    const auto in_effect = wm;
    for (const auto& [device, ts, temp] : readings) {
      max_seen = std::max(max_seen.value_or(ts), ts);
      if (in_effect && ts < *in_effect) {
        late.emplace_back(device, ts, temp);
        continue;
      }
      for (std::int64_t start = ts / slide * slide; start + length > ts; start -= slide) {
        auto& a = open[{device, start, start + length}];
        ++a.n;
        a.sum += temp;
        a.max = std::max(a.max, temp);
      }
    }
    for (auto it = open.begin(); in_effect && it != open.end();) {
      const auto& [device, start, end] = it->first;
      if (end > *in_effect) {
        ++it;
        continue;
      }
      const auto& a = it->second;
      closed.emplace_back(device, start, end, a.n, a.sum / static_cast<double>(a.n), a.max);
      it = open.erase(it);
    }
    if (max_seen) wm = std::max(wm.value_or(*max_seen - delay), *max_seen - delay);
  }
};

TEST(IotMonitorExample, TablesMatchAReferenceComputedFromThePublishedReadings) {
  MosquittoBroker broker;
  TempDir dir;
  const auto db = (dir.path / "iot.db").string();
  // Windows of 10 batches sliding 5, the watermark 3 batches behind the newest reading.
  iot::PipelineOptions options{.db = db,
                               .threshold = 30,
                               .silent_after = 1s,
                               .window_length = 1000ms,
                               .window_slide = 500ms,
                               .watermark_delay = 300ms};
  IotRun run(broker, options);
  MqttPublisher pub(broker.port());

  const std::vector<std::string> devices{"d0", "d1", "d2", "d3", "d4"};
  const std::set<std::string> dying{"d3", "d4"};  // stop after 10 steps: must go silent
  const std::vector<std::string> bad{
      "not json",
      std::string("{\"device\":\"\xff\xfe\",\"ts\":1,\"temp\":2}", 30),
      "{\"device\":\"d0\",\"ts\":5}",
      "{\"device\":\"d0\",\"ts\":\"x\",\"temp\":1}",
      "",
      "[1,2]",
      "{\"device\":\"\",\"ts\":1,\"temp\":1}"};
  std::map<std::string, std::vector<std::pair<std::int64_t, double>>> sent;  // per device
  std::vector<std::vector<Published>> batches;  // what each batch delivers
  std::uint64_t published = 0;
  constexpr std::int64_t kBase = 1'000'000;
  constexpr int kSteps = 40;  // 4 s of batch time; silent_after is 1 s
  for (int step = 0; step < kSteps; ++step) {
    auto& batch = batches.emplace_back();
    auto send = [&](const std::string& device, std::int64_t ts, double temp) {
      pub.publish("sensors/" + device, reading(device, ts, temp), 1);
      sent[device].emplace_back(ts, temp);
      batch.emplace_back(device, ts, temp);
      ++published;
    };
    for (std::size_t d = 0; d < devices.size(); ++d) {
      if (dying.count(devices[d]) && step >= 10) continue;
      for (int k : {2, 0, 1}) {  // three readings per device and batch, out of order, some hot
        const std::int64_t ts = kBase + step * 100 + k * 10;
        const double temp =
            20 + static_cast<double>(d) + ((step * 3 + k) % 11 == 0 ? 15.5 : 0.25 * k);
        send(devices[d], ts, temp);
      }
    }
    // d1 also sends readings it had held back. The watermark in effect for this batch is
    // kBase + step * 100 - 380 (the previous batch's newest ts, 20, minus 300), so one held
    // back 205 ms is out of order but counts in its windows, one held back 595 ms is late.
    // Both are 75+ ms from the watermark.
    if (step % 5 == 2) send("d1", kBase + step * 100 - 205, 22.5 + step % 3);
    if (step >= 7 && step % 7 == 3) send("d1", kBase + step * 100 - 595, step % 2 ? 35 : 19.5);
    if (step % 6 == 0) {
      pub.publish("sensors/junk", bad[(step / 6) % bad.size()], 1);
      ++published;
    }
    pub.wait_acked();
    run.batch_with(published);
  }
  for (int i = 0; i < 3; ++i) {
    batches.emplace_back();
    run.batch_with(published);
  }
  run.ssc.stop();

  // The reference: per device, count, last ts and the average of the 5 readings with the
  // largest ts (late ones too: map_with_state does not care about event time); a 'high'
  // alert per reading above 30; one 'silent' alert per device that stopped.
  std::set<std::vector<std::string>> want_stats, want_alerts;
  auto fmt = [](double v) { return std::to_string(std::round(v * 1e6) / 1e6); };
  for (auto& [device, rs] : sent) {
    std::sort(rs.begin(), rs.end());
    double sum = 0;
    for (std::size_t i = rs.size() - 5; i < rs.size(); ++i) sum += rs[i].second;
    const auto avg = sum / 5;
    want_stats.insert(
        {device, std::to_string(rs.size()), std::to_string(rs.back().first), fmt(avg)});
    for (auto& [ts, temp] : rs)
      if (temp > 30) want_alerts.insert({device, std::to_string(ts), "high", fmt(temp)});
    if (dying.count(device))
      want_alerts.insert({device, std::to_string(rs.back().first), "silent", fmt(avg)});
  }
  // Rows with their REAL columns (from column `from` on) rounded, as a set.
  auto rounded = [&](std::vector<std::vector<std::string>> rows, std::size_t from) {
    std::set<std::vector<std::string>> out;
    for (auto& r : rows) {
      for (std::size_t i = from; i < r.size(); ++i) r[i] = fmt(std::stod(r[i]));
      out.insert(r);
    }
    return out;
  };
  EXPECT_EQ(
      rounded(query_rows(db, "SELECT device, readings, last_ts, moving_avg FROM device_stats"), 3),
      want_stats);
  EXPECT_EQ(rounded(query_rows(db, "SELECT device, ts, kind, value FROM alerts"), 3), want_alerts);

  WindowReference ref{.length = 1000, .slide = 500, .delay = 300};
  for (auto& b : batches) ref.batch(b);
  std::set<std::vector<std::string>> want_windows, want_late;
  for (auto& [device, start, end, n, avg, max] : ref.closed)
    want_windows.insert({device, std::to_string(start), std::to_string(end), std::to_string(n),
                         fmt(avg), fmt(max)});
  for (auto& [device, ts, temp] : ref.late)
    want_late.insert({device, std::to_string(ts), fmt(temp)});
  ASSERT_GT(want_windows.size(), 20u) << "7 closed windows for d0-d2, 3 for d3, d4";
  ASSERT_EQ(want_late.size(), 5u) << "steps 10, 17, 24, 31, 38";
  EXPECT_EQ(rounded(query_rows(db,
                               "SELECT device, window_start, window_end, readings, avg, max "
                               "FROM device_windows"),
                    4),
            want_windows);
  EXPECT_EQ(rounded(query_rows(db, "SELECT device, ts, temp FROM late_readings"), 2), want_late);

  const auto rejects = query_rows(db, "SELECT reason, detail FROM rejects");
  EXPECT_EQ(rejects.size(), (kSteps + 5) / 6);
  for (auto& r : rejects) EXPECT_FALSE(r[0].empty());
  const auto utf8 =
      query_rows(db, "SELECT reason, detail FROM rejects WHERE detail LIKE '%\\xff\\xfe%'");
  ASSERT_EQ(utf8.size(), 1u) << "the invalid UTF-8 payload, escaped";
  EXPECT_NE(utf8[0][0].find("UTF-8"), std::string::npos) << utf8[0][0];
}

TEST(IotMonitorExample, OnBadFailStopsTheJobWithThePayloadInTheError) {
  MosquittoBroker broker;
  TempDir dir;
  IotRun run(broker,
             iot::PipelineOptions{.db = (dir.path / "iot.db").string(), .fail_on_bad = true});
  MqttPublisher pub(broker.port());
  pub.publish("sensors/x", reading("d0", 1, 20), 1);
  pub.publish("sensors/x", "{\"device\": broken", 1);
  pub.wait_acked();
  try {
    run.batch_with(2);
  } catch (const std::exception&) {
    // The failed batch may surface here or below.
  }
  try {
    run.ssc.await_termination_or_timeout(10s);
    ADD_FAILURE() << "a bad payload with fail_on_bad did not fail the job";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("{\"device\": broken"), std::string::npos) << e.what();
  }
  run.ssc.stop();
}

}  // namespace
}  // namespace rill::test
