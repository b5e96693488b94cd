// WebUi: a live monitoring page for a running StreamingContext (Spark UI's Streaming
// tab) — charts of input rate and scheduling, processing and total delay per batch, the
// recent batches, receivers, late records and watermark, stream errors — plus
// /api/batches and /api/receivers (JSON) and /metrics (Prometheus). Cost: a BatchHistory
// listener (O(1) per event, 1000 batches kept) and one server thread; a request copies
// the history. Nothing is served to other hosts unless bind_address says so.
#pragma once
#include <cstddef>
#include <memory>
#include <rill/io/batch_history.hpp>
#include <string>

namespace rill {

class StreamingContext;
namespace detail {
class HttpServer;
}

class WebUi {
 public:
  // Serves on bind_address:port (port 0: a free one, see port()) and listens to ssc's
  // events from now on: construct it before ssc.start() to see the receivers start. ssc
  // must outlive it (and not be moved meanwhile). A port outside 0-65535 or a bad address
  // is std::invalid_argument; a port in use std::runtime_error naming it.
  WebUi(StreamingContext& ssc, int port, const std::string& bind_address = "127.0.0.1",
        std::size_t retained_batches = BatchHistory::default_capacity);
  // Stops listening to ssc (waiting for an event being delivered) and stops the server.
  ~WebUi();
  WebUi(const WebUi&) = delete;
  WebUi& operator=(const WebUi&) = delete;

  int port() const;
  // "http://<bind address>:<port>/" (an IPv6 address in brackets).
  std::string url() const;
  const BatchHistory& history() const { return *history_; }

 private:
  StreamingContext& ssc_;
  std::string bind_address_;
  std::unique_ptr<BatchHistory> history_;       // events from ssc's listener bus
  std::unique_ptr<detail::HttpServer> server_;  // reads history_ on its thread
};

}  // namespace rill
