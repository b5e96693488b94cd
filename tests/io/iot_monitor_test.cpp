// The iot_monitor example's job (examples/iot_pipeline.cpp) against a real mosquitto, on
// a manual clock: the test publishes readings and bad payloads, waits until the receiver
// has them, runs a batch, and finally compares the SQLite tables with a reference
// computed here from what it published.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <memory>
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

TEST(IotMonitorExample, TablesMatchAReferenceComputedFromThePublishedReadings) {
  MosquittoBroker broker;
  TempDir dir;
  const auto db = (dir.path / "iot.db").string();
  iot::PipelineOptions options{.db = db, .threshold = 30, .silent_after = 1s};
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
  std::map<std::string, std::vector<std::pair<std::int64_t, double>>>
      sent;  // per device, in ts order
  std::uint64_t published = 0;
  constexpr int kSteps = 40;  // 4 s of batch time; silent_after is 1 s
  for (int step = 0; step < kSteps; ++step) {
    for (std::size_t d = 0; d < devices.size(); ++d) {
      if (dying.count(devices[d]) && step >= 10) continue;
      for (int k = 0; k < 3; ++k) {  // three readings per device and batch, some hot
        const std::int64_t ts = 1'000'000 + step * 100 + k * 10;
        const double temp =
            20 + static_cast<double>(d) + ((step * 3 + k) % 11 == 0 ? 15.5 : 0.25 * k);
        pub.publish("sensors/" + devices[d], reading(devices[d], ts, temp), 1);
        sent[devices[d]].emplace_back(ts, temp);
        ++published;
      }
    }
    if (step % 6 == 0) {
      pub.publish("sensors/junk", bad[(step / 6) % bad.size()], 1);
      ++published;
    }
    pub.wait_acked();
    run.batch_with(published);
  }
  for (int i = 0; i < 3; ++i) run.batch_with(published);
  run.ssc.stop();

  // The reference: per device, count, last ts and the average of the last 5 readings;
  // a 'high' alert per reading above 30; one 'silent' alert per device that stopped.
  std::set<std::vector<std::string>> want_stats, want_alerts;
  auto fmt = [](double v) { return std::to_string(std::round(v * 1e6) / 1e6); };
  for (auto& [device, rs] : sent) {
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
  auto rounded = [&](std::vector<std::vector<std::string>> rows) {
    std::set<std::vector<std::string>> out;
    for (auto& r : rows) {
      r.back() = fmt(std::stod(r.back()));
      out.insert(r);
    }
    return out;
  };
  EXPECT_EQ(
      rounded(query_rows(db, "SELECT device, readings, last_ts, moving_avg FROM device_stats")),
      want_stats);
  EXPECT_EQ(rounded(query_rows(db, "SELECT device, ts, kind, value FROM alerts")), want_alerts);

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
