#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <iostream>
#include <optional>
#include <rill/io/http_server.hpp>
#include <stdexcept>
#include <thread>

namespace rill::detail {

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

// A connection that sends nothing for this long is closed (a browser keeps idle ones).
constexpr auto idle_timeout = std::chrono::seconds(30);
// Requests are GETs: anything larger is not one of ours.
constexpr std::size_t header_limit = 16 * 1024;
constexpr std::size_t body_limit = 16 * 1024;

http::response<http::string_body> respond(const http::request<http::string_body>& req,
                                          const HttpServer::Handler& handler) {
  http::response<http::string_body> res;
  res.version(req.version());
  res.keep_alive(req.keep_alive());
  res.set(http::field::server, "rill");
  res.set(http::field::cache_control, "no-store");  // the page polls: always fresh data
  HttpResponse r;
  if (req.method() != http::verb::get && req.method() != http::verb::head) {
    r = {405, "text/plain; charset=utf-8", "only GET and HEAD are served\n"};
    res.set(http::field::allow, "GET, HEAD");
  } else {
    const auto target = std::string(req.target());
    const auto q = target.find('?');
    const auto path = target.substr(0, q);
    const auto query = q == std::string::npos ? std::string() : target.substr(q + 1);
    try {
      r = handler(path, query);
    } catch (const std::exception& e) {
      r = {500, "text/plain; charset=utf-8", std::string("error: ") + e.what() + "\n"};
    } catch (...) {
      r = {500, "text/plain; charset=utf-8", "error: unknown exception\n"};
    }
  }
  res.result(static_cast<unsigned>(r.status));
  res.set(http::field::content_type, r.content_type);
  res.body() = std::move(r.body);
  res.prepare_payload();
  if (req.method() == http::verb::head) res.body().clear();  // Content-Length stays
  return res;
}

// One client connection: read a request, answer it, repeat while it keeps alive. Owned by
// the handlers of its pending operation (shared_from_this), so it ends with its last one.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, const HttpServer::Handler& handler)
      : stream_(std::move(socket)), handler_(handler) {}

  void read() {
    parser_.emplace();
    parser_->header_limit(header_limit);
    parser_->body_limit(body_limit);
    stream_.expires_after(idle_timeout);
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

 private:
  void on_read(beast::error_code ec) {
    if (ec) return close();  // end of stream, timeout, a malformed or oversized request
    res_ = respond(parser_->get(), handler_);
    http::async_write(stream_, res_,
                      [self = shared_from_this()](beast::error_code ec, std::size_t) {
                        if (ec || !self->res_.keep_alive()) return self->close();
                        self->read();
                      });
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> res_;
  const HttpServer::Handler& handler_;  // owned by the server, which outlives every session
};

}  // namespace

struct HttpServer::Impl {
  // Declared first, destroyed last: sessions still queued in io_ refer to it.
  Handler handler;
  net::io_context io{1};
  tcp::acceptor acceptor{io};
  net::steady_timer retry{io};
  std::thread thread;
  int port = 0;  // written before the thread starts

  void accept() {
    acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec == net::error::operation_aborted) return;
      if (ec) {
        // Out of file descriptors, say: try again shortly instead of spinning.
        retry.expires_after(std::chrono::milliseconds(100));
        retry.async_wait([this](beast::error_code wait_ec) {
          if (!wait_ec) accept();
        });
        return;
      }
      std::make_shared<Session>(std::move(socket), handler)->read();
      accept();
    });
  }

  void run() {
    while (true) {
      try {
        io.run();
        return;
      } catch (const std::exception& e) {
        // Only allocation failures get here (handlers catch their own); keep serving.
        std::cerr << "rill: web UI server: " << e.what() << "\n";
      }
    }
  }
};

HttpServer::HttpServer(const std::string& address, int port, Handler handler)
    : impl_(std::make_unique<Impl>()) {
  if (port < 0 || port > 65535) {
    throw std::invalid_argument("web UI: port " + std::to_string(port) + " is outside 0-65535");
  }
  impl_->handler = std::move(handler);
  beast::error_code ec;
  const auto ip = net::ip::make_address(address, ec);
  if (ec) {
    throw std::invalid_argument("web UI: bind address '" + address + "' is not an IP address");
  }
  const tcp::endpoint endpoint(ip, static_cast<unsigned short>(port));
  auto& acceptor = impl_->acceptor;
  auto fail = [&](const char* what) {
    throw std::runtime_error("web UI: cannot " + std::string(what) + " on " + address + " port " +
                             std::to_string(port) + ": " + ec.message());
  };
  acceptor.open(endpoint.protocol(), ec);
  if (ec) fail("open a socket");
  // A restarted job can take its port back while old connections are in TIME_WAIT; a
  // port another socket listens on still fails to bind.
  acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (ec) fail("set SO_REUSEADDR");
  acceptor.bind(endpoint, ec);
  if (ec) fail("bind");
  acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) fail("listen");
  const auto bound = acceptor.local_endpoint(ec);
  if (ec) fail("read the port");
  impl_->port = bound.port();
  impl_->accept();
  impl_->thread = std::thread([impl = impl_.get()] { impl->run(); });
}

HttpServer::~HttpServer() {
  impl_->io.stop();
  impl_->thread.join();
  // Sessions still waiting on a read or write are destroyed with io (their connections
  // closed) when impl_ goes.
}

int HttpServer::port() const {
  return impl_->port;
}

}  // namespace rill::detail
