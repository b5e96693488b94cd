// The web UI's documents (io/web_ui_api.hpp, io/prometheus_metrics.hpp) and its history
// (io/batch_history.hpp) against references built by hand from given events; the
// server's error handling (bad port, port in use, unknown path, bad method).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <rill/io/prometheus_metrics.hpp>
#include <rill/io/web_ui.hpp>
#include <rill/io/web_ui_api.hpp>

#include "dstream/stream_test_support.hpp"
#include "web_ui_client.hpp"

namespace rill::test {
namespace {

BatchInfo finished_batch(Time t, std::int64_t records, Duration processing) {
  BatchInfo b;
  b.batch_time = t;
  b.num_records = records;
  b.submission_time = t + 1ms;
  b.processing_start_time = t + 3ms;
  b.processing_end_time = t + 3ms + processing;
  b.scheduling_delay = 2ms;
  b.processing_delay = processing;
  b.total_delay = 3ms + processing;
  b.output_operations = 1;
  b.num_late_records = records / 10;
  b.watermark = t - 2000ms;
  return b;
}

// The reference: every field spelled out, null for what is not known.
nlohmann::json expected_batch(const BatchInfo& b) {
  auto ms = [](const auto& d) { return d ? nlohmann::json(d->count()) : nlohmann::json(nullptr); };
  return {{"batch_time_ms", b.batch_time.count()},
          {"records", b.num_records},
          {"scheduling_delay_ms", ms(b.scheduling_delay)},
          {"processing_delay_ms", ms(b.processing_delay)},
          {"total_delay_ms", ms(b.total_delay)},
          {"output_operations", b.output_operations},
          {"late_records", b.num_late_records},
          {"watermark_ms", ms(b.watermark)},
          {"submission_time_ms", b.submission_time.count()},
          {"processing_start_time_ms", ms(b.processing_start_time)},
          {"processing_end_time_ms", ms(b.processing_end_time)}};
}

TEST(BatchHistory, KeepsTheLastBatchesAndTotalsOverAll) {
  BatchHistory h(1000ms, /*capacity=*/3);
  std::int64_t records = 0, late = 0;
  for (int i = 1; i <= 5; ++i) {
    auto b = finished_batch(Time{i * 1000}, 10 * i, Duration{i});
    h.on_batch_submitted(b);
    h.on_batch_completed(b);
    records += b.num_records;
    late += b.num_late_records;
  }
  BatchInfo queued;
  queued.batch_time = 6000ms;
  h.on_batch_submitted(queued);
  auto s = h.snapshot();
  ASSERT_EQ(s.completed.size(), 3u);
  EXPECT_EQ(s.completed.front().batch_time, 3000ms);
  EXPECT_EQ(s.completed.back().batch_time, 5000ms);
  EXPECT_EQ(s.batches_completed, 5);
  EXPECT_EQ(s.records, records);
  EXPECT_EQ(s.late_records, late);
  ASSERT_EQ(s.active.size(), 1u);
  EXPECT_EQ(s.active[0].batch_time, 6000ms);
  EXPECT_EQ(s.batch_interval, 1000ms);
  EXPECT_THROW(BatchHistory(1000ms, 0), std::invalid_argument);
}

TEST(BatchHistory, ReceiverStatesAndBoundedStreamErrors) {
  BatchHistory h(100ms);
  h.on_receiver_started({.stream_id = 2, .name = "B", .active = true});
  h.on_receiver_started({.stream_id = 0, .name = "A", .active = true});
  h.on_receiver_error({.stream_id = 2, .name = "B", .active = true, .last_error = "refused"});
  h.on_receiver_stopped({.stream_id = 0, .name = "A", .active = false});
  for (int i = 1; i <= 150; ++i) {
    h.on_stream_error(
        {.stream_id = 1, .name = "files", .message = "e" + std::to_string(i), .errors = i});
  }
  auto s = h.snapshot();
  ASSERT_EQ(s.receivers.size(), 2u);
  EXPECT_EQ(s.receivers[0].name, "A");
  EXPECT_FALSE(s.receivers[0].active);
  EXPECT_EQ(s.receivers[1].name, "B");
  EXPECT_TRUE(s.receivers[1].active);
  EXPECT_EQ(s.receivers[1].last_error, "refused");
  EXPECT_EQ(s.receivers[1].errors, 1);
  EXPECT_EQ(s.receiver_errors, 1);
  EXPECT_EQ(s.stream_errors, 150);
  ASSERT_EQ(s.recent_stream_errors.size(), BatchHistory::retained_stream_errors);
  EXPECT_EQ(s.recent_stream_errors.front().message, "e51");
  EXPECT_EQ(s.recent_stream_errors.back().message, "e150");
}

TEST(WebUiApi, BatchesJsonHasEveryBatchInfoField) {
  BatchHistory h(500ms);
  std::vector<BatchInfo> done = {finished_batch(500ms, 7, 12ms), finished_batch(1000ms, 0, 3ms)};
  done[1].watermark.reset();
  for (const auto& b : done) h.on_batch_completed(b);
  BatchInfo queued, running;
  queued.batch_time = 2000ms;
  queued.submission_time = 2000ms;
  running.batch_time = 1500ms;
  running.submission_time = 1501ms;
  running.processing_start_time = 1502ms;
  running.scheduling_delay = 1ms;
  h.on_batch_submitted(queued);
  h.on_batch_started(running);
  h.on_receiver_started({.stream_id = 0, .name = "Hand\xff", .active = true});  // bad UTF-8
  h.on_stream_error({.stream_id = 1, .name = "files", .message = "cannot read \"x\"", .errors = 1});

  nlohmann::json expected = {{"batch_interval_ms", 500},
                             {"batches_completed", 2},
                             {"records", 7},
                             {"late_records", 0},
                             {"receiver_errors", 0},
                             {"stream_errors", 1},
                             {"batches", nlohmann::json::array()}};
  for (const auto& b : done) expected["batches"].push_back(expected_batch(b));
  auto r = expected_batch(running), q = expected_batch(queued);
  r["status"] = "processing";
  q["status"] = "queued";
  expected["active_batches"] = {r, q};  // by batch time
  expected["receivers"] = {{{"stream_id", 0},
                            {"name", "Hand\xef\xbf\xbd"},  // replaced, not an exception
                            {"active", true},
                            {"last_error", nullptr},
                            {"errors", 0}}};
  expected["recent_stream_errors"] = {
      {{"stream_id", 1}, {"stream", "files"}, {"error", "cannot read \"x\""}, {"errors", 1}}};
  EXPECT_EQ(nlohmann::json::parse(detail::batches_json(h.snapshot())), expected);
  EXPECT_EQ(nlohmann::json::parse(detail::receivers_json(h.snapshot())), expected["receivers"]);
  expected["batches"].erase(0);  // last=1: the newest batch only, totals unchanged
  EXPECT_EQ(nlohmann::json::parse(detail::batches_json(h.snapshot(), 1)), expected);
}

TEST(WebUiApi, PrometheusTextMatchesTheReference) {
  BatchHistory h(250ms);
  h.on_batch_completed(finished_batch(250ms, 40, 17ms));
  auto last = finished_batch(500ms, 12, 1250ms);
  last.watermark = 1500ms;
  h.on_batch_completed(last);
  BatchInfo queued;
  queued.batch_time = 750ms;
  h.on_batch_submitted(queued);
  h.on_receiver_started({.stream_id = 0, .name = "Socket(\"a\"\\b\n)", .active = true});
  h.on_receiver_error(
      {.stream_id = 0, .name = "Socket(\"a\"\\b\n)", .active = false, .last_error = "x"});
  const std::string expected =
      "# HELP rill_batches_completed_total Batches completed.\n"
      "# TYPE rill_batches_completed_total counter\n"
      "rill_batches_completed_total 2\n"
      "# HELP rill_records_total Input records of the completed batches.\n"
      "# TYPE rill_records_total counter\n"
      "rill_records_total 52\n"
      "# HELP rill_late_records_total Records of the completed batches below the event-time "
      "watermark.\n"
      "# TYPE rill_late_records_total counter\n"
      "rill_late_records_total 5\n"
      "# HELP rill_receiver_errors_total Errors reported by receivers.\n"
      "# TYPE rill_receiver_errors_total counter\n"
      "rill_receiver_errors_total 1\n"
      "# HELP rill_stream_errors_total Errors reported by input streams that are not receivers.\n"
      "# TYPE rill_stream_errors_total counter\n"
      "rill_stream_errors_total 0\n"
      "# HELP rill_batch_interval_seconds The batch interval.\n"
      "# TYPE rill_batch_interval_seconds gauge\n"
      "rill_batch_interval_seconds 0.25\n"
      "# HELP rill_batches_active Batches generated and not completed, by status.\n"
      "# TYPE rill_batches_active gauge\n"
      "rill_batches_active{status=\"queued\"} 1\n"
      "rill_batches_active{status=\"processing\"} 0\n"
      "# HELP rill_last_batch_time_seconds Batch time of the last completed batch.\n"
      "# TYPE rill_last_batch_time_seconds gauge\n"
      "rill_last_batch_time_seconds 0.5\n"
      "# HELP rill_last_batch_records Input records of the last completed batch.\n"
      "# TYPE rill_last_batch_records gauge\n"
      "rill_last_batch_records 12\n"
      "# HELP rill_last_batch_scheduling_delay_seconds Scheduling delay of the last completed "
      "batch (start - submission).\n"
      "# TYPE rill_last_batch_scheduling_delay_seconds gauge\n"
      "rill_last_batch_scheduling_delay_seconds 0.002\n"
      "# HELP rill_last_batch_processing_delay_seconds Processing delay of the last completed "
      "batch (end - start).\n"
      "# TYPE rill_last_batch_processing_delay_seconds gauge\n"
      "rill_last_batch_processing_delay_seconds 1.25\n"
      "# HELP rill_last_batch_total_delay_seconds Total delay of the last completed batch (end - "
      "batch time).\n"
      "# TYPE rill_last_batch_total_delay_seconds gauge\n"
      "rill_last_batch_total_delay_seconds 1.253\n"
      "# HELP rill_watermark_seconds Event-time watermark after the last completed batch.\n"
      "# TYPE rill_watermark_seconds gauge\n"
      "rill_watermark_seconds 1.5\n"
      "# HELP rill_receiver_active 1 while the receiver runs, else 0.\n"
      "# TYPE rill_receiver_active gauge\n"
      "rill_receiver_active{stream_id=\"0\",name=\"Socket(\\\"a\\\"\\\\b\\n)\"} 0\n";
  EXPECT_EQ(detail::prometheus_metrics(h.snapshot()), expected);
}

TEST(WebUiApi, PrometheusGaugesWithoutValueHaveNoSample) {
  BatchHistory h(0ms);
  const auto text = detail::prometheus_metrics(h.snapshot());
  EXPECT_NE(text.find("# TYPE rill_last_batch_total_delay_seconds gauge\n"), std::string::npos);
  EXPECT_EQ(text.find("\nrill_last_batch_total_delay_seconds "), std::string::npos);
  EXPECT_EQ(text.find("\nrill_watermark_seconds "), std::string::npos);
  EXPECT_NE(text.find("\nrill_batches_completed_total 0\n"), std::string::npos);
  EXPECT_NE(text.find("\nrill_batch_interval_seconds 0\n"), std::string::npos);
}

TEST(WebUiServer, BadPortAddressAndPortInUseNameTheValue) {
  StreamHarness h;
  auto message = [&](int port, const std::string& address) {
    try {
      WebUi ui(h.ssc, port, address);
    } catch (const std::exception& e) {
      return std::string(e.what());
    }
    return std::string("no exception");
  };
  EXPECT_THROW(WebUi(h.ssc, 70000), std::invalid_argument);
  EXPECT_NE(message(70000, "127.0.0.1").find("70000"), std::string::npos);
  EXPECT_NE(message(-1, "127.0.0.1").find("-1"), std::string::npos);
  EXPECT_THROW(WebUi(h.ssc, 0, "localhost:80"), std::invalid_argument);
  EXPECT_NE(message(0, "not an address").find("not an address"), std::string::npos);

  WebUi first(h.ssc, 0);
  ASSERT_GT(first.port(), 0);
  EXPECT_EQ(first.url(), "http://127.0.0.1:" + std::to_string(first.port()) + "/");
  EXPECT_THROW(WebUi(h.ssc, first.port()), std::runtime_error);
  EXPECT_NE(message(first.port(), "127.0.0.1").find(std::to_string(first.port())),
            std::string::npos);
}

TEST(WebUiServer, RoutesUnknownPathsAndMethods) {
  StreamHarness h;
  WebUi ui(h.ssc, 0);
  auto page = http_request(ui.port(), "/");
  EXPECT_EQ(page.status, 200);
  EXPECT_NE(page.headers.find("Content-Type: text/html"), std::string::npos);
  EXPECT_NE(page.body.find("chart-total-delay"), std::string::npos);
  EXPECT_EQ(http_request(ui.port(), "/api/batches?since=0").status, 200);  // unknown: ignored
  EXPECT_EQ(http_request(ui.port(), "/api/batches?x=1&last=5").status, 200);
  auto bad = http_request(ui.port(), "/api/batches?last=-3");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("last=-3"), std::string::npos) << bad.body;
  auto metrics = http_request(ui.port(), "/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.headers.find("text/plain; version=0.0.4"), std::string::npos);
  auto missing = http_request(ui.port(), "/nope");
  EXPECT_EQ(missing.status, 404);
  EXPECT_NE(missing.body.find("/nope"), std::string::npos);
  EXPECT_EQ(http_request(ui.port(), "/", "POST").status, 405);
  auto head = http_request(ui.port(), "/api/receivers", "HEAD");
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.body, "");
  EXPECT_EQ(http_request(ui.port(), "/api/receivers").body, "[]");
}

}  // namespace
}  // namespace rill::test
