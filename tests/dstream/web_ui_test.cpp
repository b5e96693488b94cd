// The web UI against a running StreamingContext on a manual clock: /api/batches and
// /metrics report exactly the batches a reference listener saw; requests racing with
// batches, and a WebUi destroyed while the context runs and a client is connected, are
// clean (this binary also runs under TSan).
#include <atomic>
#include <nlohmann/json.hpp>
#include <rill/io/web_ui.hpp>
#include <thread>

#include "dstream/stream_test_support.hpp"
#include "web_ui_client.hpp"

namespace rill::test {
namespace {

TEST(WebUi, ServesTheBatchesThatRan) {
  WebUiHarness w(100ms);
  Collector<int> out(*w.input);
  w.start();
  const std::vector<int> sizes = {3, 0, 10, 1, 25, 7};
  w.run(sizes);
  auto& h = w.h;
  auto& ui = *w.ui;
  const auto expected = w.reference.completed();
  ASSERT_EQ(expected.size(), sizes.size());

  auto reply = http_request(ui.port(), "/api/batches");
  ASSERT_EQ(reply.status, 200);
  auto doc = nlohmann::json::parse(reply.body);
  EXPECT_EQ(doc["batch_interval_ms"], 100);
  EXPECT_EQ(doc["batches_completed"], sizes.size());
  EXPECT_EQ(doc["records"], 46);
  ASSERT_EQ(doc["batches"].size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const auto& b = doc["batches"][i];
    const auto& e = expected[i];
    SCOPED_TRACE("batch " + std::to_string(i));
    EXPECT_EQ(b["batch_time_ms"], e.batch_time.count());
    EXPECT_EQ(b["batch_time_ms"], 100 * static_cast<int>(i + 1));
    EXPECT_EQ(b["records"], sizes[i]);
    EXPECT_EQ(b["submission_time_ms"], e.submission_time.count());
    EXPECT_EQ(b["processing_start_time_ms"], e.processing_start_time->count());
    EXPECT_EQ(b["processing_end_time_ms"], e.processing_end_time->count());
    EXPECT_EQ(b["scheduling_delay_ms"], e.scheduling_delay->count());
    EXPECT_EQ(b["processing_delay_ms"], e.processing_delay->count());
    EXPECT_EQ(b["total_delay_ms"], e.total_delay->count());
    EXPECT_EQ(b["output_operations"], 1);
    EXPECT_EQ(b["late_records"], 0);
    EXPECT_TRUE(b["watermark_ms"].is_null());
  }
  ASSERT_EQ(doc["receivers"].size(), 1u);
  EXPECT_EQ(doc["receivers"][0]["active"], true);

  auto metrics = http_request(ui.port(), "/metrics").body;
  EXPECT_NE(metrics.find("\nrill_batches_completed_total 6\n"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("\nrill_records_total 46\n"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("\nrill_last_batch_records 7\n"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("\nrill_last_batch_time_seconds 0.6\n"), std::string::npos) << metrics;

  h.ssc.stop();
  auto receivers = nlohmann::json::parse(http_request(ui.port(), "/api/receivers").body);
  ASSERT_EQ(receivers.size(), 1u);
  EXPECT_EQ(receivers[0]["active"], false);  // the UI outlives the stop
}

TEST(WebUi, RequestsRaceWithBatchesAndShutdownIsClean) {
  StreamHarness h(10ms);
  auto owned = std::make_unique<HandFedReceiver<int>>();
  auto* rx = owned.get();
  Collector<int> out(h.ssc.receiver_stream(std::move(owned)));
  auto ui = std::make_unique<WebUi>(h.ssc, 0, "127.0.0.1", /*retained_batches=*/8);
  const int port = ui->port();
  h.ssc.start();
  rx->wait_started();
  std::atomic<bool> done{false};
  std::atomic<int> answered{0};
  std::vector<std::thread> pollers;
  for (const char* path : {"/api/batches", "/metrics"}) {
    pollers.emplace_back([&, path] {
      while (!done) {
        if (http_request(port, path).status == 200) ++answered;
      }
    });
  }
  for (int i = 0; i < 30; ++i) {
    rx->store(i);
    h.run_batches(1);
  }
  done = true;
  for (auto& t : pollers) t.join();
  EXPECT_GT(answered.load(), 0);
  auto doc = nlohmann::json::parse(http_request(port, "/api/batches").body);
  EXPECT_EQ(doc["batches"].size(), 8u);  // bounded
  EXPECT_EQ(doc["batches_completed"], 30);
  EXPECT_EQ(doc["batches"].back()["batch_time_ms"], 300);
  auto last3 = nlohmann::json::parse(http_request(port, "/api/batches?last=3").body);
  ASSERT_EQ(last3["batches"].size(), 3u);
  EXPECT_EQ(last3["batches"][0]["batch_time_ms"], 280);

  // An idle keep-alive connection and a half-sent request stay open across the shutdown.
  namespace net = boost::asio;
  net::io_context io;
  net::ip::tcp::socket idle(io), partial(io);
  idle.connect({net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)});
  partial.connect({net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)});
  net::write(partial, net::buffer(std::string("GET /api/batc")));
  ui.reset();  // while batches still run: no event may reach the destroyed listener
  for (int i = 0; i < 5; ++i) {
    rx->store(i);
    h.run_batches(1);
  }
  h.ssc.stop();
  std::string rest;
  boost::system::error_code ec;
  net::read(partial, net::dynamic_buffer(rest), ec);  // closed by the server
  EXPECT_EQ(rest, "");
}

}  // namespace
}  // namespace rill::test
