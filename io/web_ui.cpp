#include <algorithm>
#include <charconv>
#include <cstdint>
#include <rill/dstream/streaming_context.hpp>
#include <rill/io/http_server.hpp>
#include <rill/io/prometheus_metrics.hpp>
#include <rill/io/web_ui.hpp>
#include <rill/io/web_ui_api.hpp>
#include <rill/io/web_ui_page.hpp>
#include <stdexcept>

namespace rill {

namespace {

// The `last=N` of /api/batches' query (the page asks for what it shows); SIZE_MAX if absent.
std::size_t last_batches(const std::string& query) {
  for (std::size_t pos = 0; pos <= query.size();) {
    const auto end = std::min(query.find('&', pos), query.size());
    const auto item = query.substr(pos, end - pos);
    if (item.rfind("last=", 0) == 0) {
      const auto value = item.substr(5);
      std::size_t n = 0;
      const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (ec != std::errc() || ptr != value.data() + value.size() || value.empty()) {
        throw std::invalid_argument("last=" + value + " is not a number of batches");
      }
      return n;
    }
    pos = end + 1;
  }
  return SIZE_MAX;
}

detail::HttpResponse route(const BatchHistory& history, const std::string& path,
                           const std::string& query) {
  if (path == "/" || path == "/index.html") {
    return {200, "text/html; charset=utf-8", std::string(detail::web_ui_page)};
  }
  if (path == "/api/batches") {
    std::size_t last = 0;
    try {
      last = last_batches(query);
    } catch (const std::invalid_argument& e) {
      return {400, "text/plain; charset=utf-8", std::string("bad request: ") + e.what() + "\n"};
    }
    return {200, "application/json", detail::batches_json(history.snapshot(), last)};
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
      bind_address, port, [history](const std::string& path, const std::string& query) {
        return route(*history, path, query);
      });
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
