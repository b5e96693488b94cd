// HttpServer: the small HTTP/1.1 server behind the web UI (the role of the embedded
// Jetty in Spark's UI), on Boost.Beast. One thread serves every connection
// asynchronously (keep-alive, idle connections time out); each GET or HEAD request calls
// the handler once with the request path. Cost: one thread; per request a handler call.
#pragma once
#include <functional>
#include <memory>
#include <string>

namespace rill::detail {

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

class HttpServer {
 public:
  // Called on the server thread with the path of the request target and its query (what
  // follows '?', empty if none). What it throws becomes a 500 response with the message.
  using Handler = std::function<HttpResponse(const std::string& path, const std::string& query)>;

  // Listens on address:port (port 0: a free port, see port()) and starts serving. A port
  // outside 0-65535 or an address that is not an IP address is std::invalid_argument; an
  // address or port it cannot listen on (in use) std::runtime_error naming both.
  HttpServer(const std::string& address, int port, Handler handler);
  // Stops accepting, drops open connections and joins the thread.
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  int port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace rill::detail
