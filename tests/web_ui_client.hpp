// Helpers of the web UI tests (tests/io and tests/dstream): a tiny blocking HTTP client
// on Boost.Asio (one request per connection, read to the end), a listener that keeps
// every completed BatchInfo (the reference the served documents are checked against) and
// a manual-clock stream with a WebUi and a hand-fed receiver.
#pragma once
#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <memory>
#include <mutex>
#include <optional>
#include <rill/dstream/streaming_listener.hpp>
#include <rill/io/web_ui.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "dstream/stream_test_support.hpp"

namespace rill::test {

struct HttpReply {
  int status = 0;
  std::string headers;  // the status line and header lines
  std::string body;
};

// `method` `target` to 127.0.0.1:port; throws if the server does not answer within 60 s.
inline HttpReply http_request(int port, const std::string& target,
                              const std::string& method = "GET") {
  namespace net = boost::asio;
  net::io_context io;
  net::ip::tcp::socket socket(io);
  socket.connect({net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)});
  timeval timeout{60, 0};  // a hung server fails the test instead of hanging it
  ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  const std::string request =
      method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  net::write(socket, net::buffer(request));
  std::string data;
  boost::system::error_code ec;
  net::read(socket, net::dynamic_buffer(data), ec);
  if (ec && ec != net::error::eof) {
    throw std::runtime_error("http_request " + target + ": " + ec.message());
  }
  HttpReply reply;
  const auto end = data.find("\r\n\r\n");
  if (data.compare(0, 9, "HTTP/1.1 ") != 0 || end == std::string::npos) {
    throw std::runtime_error("http_request " + target + ": not an HTTP response: " + data);
  }
  reply.status = std::stoi(data.substr(9, 3));
  reply.headers = data.substr(0, end);
  reply.body = data.substr(end + 4);
  return reply;
}

// Every on_batch_completed, in order.
struct CompletedBatchLog : StreamingListener {
  void on_batch_completed(const BatchInfo& b) override {
    std::lock_guard lock(m);
    batches.push_back(b);
  }
  std::vector<BatchInfo> completed() {
    std::lock_guard lock(m);
    return batches;
  }
  std::mutex m;
  std::vector<BatchInfo> batches;
};

// A manual-clock StreamingContext with a reference CompletedBatchLog, a WebUi on a free port
// and a hand-fed receiver stream (`input`, for the test's output operation).
struct WebUiHarness {
  explicit WebUiHarness(Duration interval) : h(interval) {
    h.ssc.add_listener(reference);
    ui = std::make_unique<WebUi>(h.ssc, 0);
    auto owned = std::make_unique<HandFedReceiver<int>>();
    rx = owned.get();
    input = h.ssc.receiver_stream(std::move(owned));
  }
  void start() {
    h.ssc.start();
    rx->wait_started();
  }
  // Per element of `records`: stores that many records, then runs one batch.
  void run(const std::vector<int>& records) {
    for (int n : records) {
      if (n > 0) rx->store(std::vector<int>(static_cast<std::size_t>(n), 1));
      h.run_batches(1);
    }
  }

  CompletedBatchLog reference;  // first: outlives the context it listens to
  StreamHarness h;
  std::unique_ptr<WebUi> ui;
  HandFedReceiver<int>* rx = nullptr;  // owned by the context
  std::optional<DStream<int>> input;
};

}  // namespace rill::test
