// LogServer: a local TCP server that plays a log to its first client at a steady rate,
// like `pv -L ... access.log | nc -l 9999`. It writes every 20 ms the lines due by then,
// and once all are written keeps the connection open and idle (a live log that has gone
// quiet), so the reader sees no disconnect. Runs on its own thread with its own io_context.
#pragma once
#include <algorithm>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace rill::examples {

class LogServer {
 public:
  // next_line(i) gives line i (without newline) of `total_lines`; they go out at
  // `lines_per_second`. Listens on 127.0.0.1:port (0 = an ephemeral port).
  LogServer(std::function<std::string(std::int64_t)> next_line, std::int64_t total_lines,
            double lines_per_second, unsigned short port = 0)
      : next_line_(std::move(next_line)),
        total_(total_lines),
        rate_(std::max(lines_per_second, 1.0)),
        acceptor_(io_,
                  boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port)),
        socket_(io_),
        tick_(io_) {
    port_ = acceptor_.local_endpoint().port();
    acceptor_.async_accept(socket_, [this](boost::system::error_code ec) {
      if (ec) return;
      boost::system::error_code ignored;
      acceptor_.close(ignored);  // one client, as with nc -l
      start_ = std::chrono::steady_clock::now();
      write_due();
    });
    thread_ = std::thread([this] { io_.run(); });
  }

  ~LogServer() {
    io_.stop();
    thread_.join();
  }

  int port() const { return port_; }
  std::int64_t lines_sent() const { return sent_.load(); }
  std::int64_t total_lines() const { return total_; }

  // Blocks until every line has been written (or the client went away); false if that
  // did not happen within `limit` (say, nobody ever connected).
  bool wait_until_done(std::chrono::milliseconds limit) {
    std::unique_lock lock(mutex_);
    return done_cv_.wait_for(lock, limit, [&] { return done_; });
  }

 private:
  void write_due() {
    using namespace std::chrono;
    const double elapsed = duration<double>(steady_clock::now() - start_).count();
    const auto due = std::min<std::int64_t>(total_, static_cast<std::int64_t>(elapsed * rate_) + 1);
    chunk_.clear();
    for (auto i = next_; i < due; ++i) {
      chunk_ += next_line_(i);
      chunk_ += '\n';
    }
    const auto upto = std::max(next_, due);
    boost::asio::async_write(socket_, boost::asio::buffer(chunk_),
                             [this, upto](boost::system::error_code ec, std::size_t) {
                               if (ec) return finish();  // the reader left
                               next_ = upto;
                               sent_.store(next_);
                               if (next_ >= total_) return finish();
                               tick_.expires_after(std::chrono::milliseconds(20));
                               tick_.async_wait([this](boost::system::error_code ec) {
                                 if (!ec) write_due();
                               });
                             });
  }

  void finish() {
    std::lock_guard lock(mutex_);
    done_ = true;
    done_cv_.notify_all();
  }

  std::function<std::string(std::int64_t)> next_line_;
  const std::int64_t total_;
  const double rate_;
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::ip::tcp::socket socket_;
  boost::asio::steady_timer tick_;
  int port_ = 0;
  // Touched only by handlers on the server thread.
  std::chrono::steady_clock::time_point start_;
  std::int64_t next_ = 0;
  std::string chunk_;
  // Read by the main thread.
  std::atomic<std::int64_t> sent_{0};
  std::mutex mutex_;
  std::condition_variable done_cv_;
  bool done_ = false;
  std::thread thread_;
};

}  // namespace rill::examples
