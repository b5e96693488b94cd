#include <rill/dstream/streaming_context.hpp>
#include <rill/io/http_server.hpp>
#include <rill/io/prometheus_metrics.hpp>
#include <rill/io/web_ui.hpp>
#include <rill/io/web_ui_api.hpp>
#include <rill/io/web_ui_page.hpp>

namespace rill {

namespace {

detail::HttpResponse route(const BatchHistory& history, const std::string& path) {
  if (path == "/" || path == "/index.html") {
    return {200, "text/html; charset=utf-8", std::string(detail::web_ui_page)};
  }
  if (path == "/api/batches") {
    return {200, "application/json", detail::batches_json(history.snapshot())};
  }
  if (path == "/api/receivers") {
    return {200, "application/json", detail::receivers_json(history.snapshot())};
  }
  if (path == "/metrics") {
    return {200, "text/plain; version=0.0.4; charset=utf-8",
            detail::prometheus_metrics(history.snapshot())};
  }
  return {404, "text/plain; charset=utf-8",
          "not found: " + path + " (try /, /api/batches, /api/receivers, /metrics)\n"};
}

}  // namespace

WebUi::WebUi(StreamingContext& ssc, int port, const std::string& bind_address,
             std::size_t retained_batches)
    : ssc_(ssc),
      bind_address_(bind_address),
      history_(std::make_unique<BatchHistory>(ssc.batch_interval(), retained_batches)) {
  const BatchHistory* history = history_.get();
  server_ = std::make_unique<detail::HttpServer>(
      bind_address, port, [history](const std::string& path) { return route(*history, path); });
  ssc_.add_listener(*history_);  // last: nothing to undo if the server failed
}

WebUi::~WebUi() {
  ssc_.remove_listener(*history_);
  server_.reset();
}

int WebUi::port() const {
  return server_->port();
}

std::string WebUi::url() const {
  const bool v6 = bind_address_.find(':') != std::string::npos;
  return "http://" + (v6 ? "[" + bind_address_ + "]" : bind_address_) + ":" +
         std::to_string(port()) + "/";
}

}  // namespace rill
