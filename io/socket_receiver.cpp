#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <rill/io/line_splitter.hpp>
#include <rill/io/socket_receiver.hpp>
#include <stdexcept>
#include <string_view>
#include <utility>
#include <vector>

namespace rill::detail {

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;

namespace {

// Large reads keep the per-read overhead (one store, one vector) small at full speed.
constexpr std::size_t kReadBufferBytes = 256 * 1024;
// How often the loop looks at is_stopped(), for supervisors that stop a receiver without
// calling on_stop; on_stop itself interrupts at once.
constexpr std::chrono::milliseconds kStopPollInterval{10};

}  // namespace

// One run of on_start: resolve, connect, read until the server closes or fails, wait
// out the backoff, and again. All of it runs as handlers on the receiver thread's
// io_context, so nothing here is shared with other threads except the receiver's
// atomics and its sink.
class SocketConnection {
 public:
  SocketConnection(SocketReceiver& receiver, asio::io_context& io)
      : receiver_(receiver),
        io_(io),
        resolver_(io),
        socket_(io),
        retry_timer_(io),
        stop_poll_(io),
        splitter_(receiver.options_.max_line_bytes),
        buffer_(kReadBufferBytes),
        initial_backoff_(std::max(receiver.options_.initial_backoff, std::chrono::milliseconds(1))),
        max_backoff_(std::max(receiver.options_.max_backoff, initial_backoff_)),
        backoff_(initial_backoff_) {}

  void start() {
    watch_stop();
    connect();
  }

 private:
  void watch_stop() {
    if (receiver_.is_stopped()) {
      io_.stop();
      return;
    }
    stop_poll_.expires_after(kStopPollInterval);
    stop_poll_.async_wait([this](error_code ec) {
      if (!ec) watch_stop();
    });
  }

  void connect() {
    resolver_.async_resolve(
        receiver_.host_, std::to_string(receiver_.port_),
        [this](error_code ec, tcp::resolver::results_type endpoints) {
          if (ec) return connect_failed("cannot resolve", ec);
          asio::async_connect(socket_, endpoints, [this](error_code ec, const tcp::endpoint&) {
            if (ec) return connect_failed("cannot connect to", ec);
            if (receiver_.connections_.fetch_add(1, std::memory_order_relaxed) > 0)
              receiver_.reconnects_.fetch_add(1, std::memory_order_relaxed);
            failing_ = false;
            read();
          });
        });
  }

  void read() {
    socket_.async_read_some(asio::buffer(buffer_), [this](error_code ec, std::size_t n) {
      if (n > 0) {
        deliver(std::string_view(buffer_.data(), n));
        backoff_ = initial_backoff_;  // the server is alive: the next reconnect is quick
      }
      if (ec) return connection_ended(ec);
      read();
    });
  }

  void deliver(std::string_view bytes) {
    std::vector<std::string> lines;
    lines.reserve(last_batch_size_);
    splitter_.feed(bytes, [&](std::string_view line) { lines.emplace_back(line); });
    store(std::move(lines));
  }

  void store(std::vector<std::string> lines) {
    report_oversized();
    if (lines.empty()) return;
    last_batch_size_ = lines.size();
    const auto n = lines.size();
    receiver_.store(std::move(lines));
    receiver_.lines_.fetch_add(n, std::memory_order_release);  // like MqttReceiver::messages()
  }

  // Reported once per read that skipped lines, not once per line: a flood of long
  // lines must not turn into a flood of listener events.
  void report_oversized() {
    const auto total = splitter_.oversized_lines();
    if (total == reported_oversized_) return;
    const auto now = total - reported_oversized_;
    reported_oversized_ = total;
    receiver_.oversized_.fetch_add(now, std::memory_order_relaxed);
    receiver_.report_error(
        receiver_.name() + ": skipped " + std::to_string(now) + (now == 1 ? " line" : " lines") +
        " longer than max_line_bytes = " + std::to_string(splitter_.max_line_bytes()) + " (" +
        std::to_string(receiver_.oversized_lines()) + " skipped in total)");
  }

  void connection_ended(error_code ec) {
    if (ec == asio::error::eof) {
      // The server closed cleanly: its last line may lack a newline, like readLine at EOF.
      std::vector<std::string> lines;
      splitter_.finish([&](std::string_view line) { lines.emplace_back(line); });
      store(std::move(lines));
    } else {
      // Broken off mid-stream: a partial line is not a line.
      splitter_.reset();
      report_oversized();
      receiver_.report_error(receiver_.name() + ": connection lost: " + ec.message() +
                             "; reconnecting");
    }
    close_socket();
    wait_then_connect();
  }

  void connect_failed(const char* what, error_code ec) {
    receiver_.failed_connects_.fetch_add(1, std::memory_order_relaxed);
    close_socket();
    // One report per streak of failures; the retries themselves are expected.
    if (!failing_) {
      failing_ = true;
      receiver_.report_error(receiver_.name() + ": " + what + " " + receiver_.host_ + ":" +
                             std::to_string(receiver_.port_) + ": " + ec.message() +
                             "; retrying with backoff up to " +
                             std::to_string(max_backoff_.count()) + " ms");
    }
    wait_then_connect();
  }

  void wait_then_connect() {
    retry_timer_.expires_after(backoff_);
    backoff_ = std::min(backoff_ * 2, max_backoff_);
    retry_timer_.async_wait([this](error_code ec) {
      if (!ec) connect();
    });
  }

  void close_socket() {
    error_code ignored;
    socket_.close(ignored);
  }

  SocketReceiver& receiver_;
  asio::io_context& io_;
  tcp::resolver resolver_;
  tcp::socket socket_;
  asio::steady_timer retry_timer_;
  asio::steady_timer stop_poll_;
  LineSplitter splitter_;
  std::vector<char> buffer_;
  const std::chrono::milliseconds initial_backoff_;
  const std::chrono::milliseconds max_backoff_;
  std::chrono::milliseconds backoff_;
  std::size_t last_batch_size_ = 64;
  std::uint64_t reported_oversized_ = 0;
  bool failing_ = false;  // the last connect attempt failed
};

SocketReceiver::SocketReceiver(std::string host, int port, SocketTextOptions options)
    : host_(std::move(host)), port_(port), options_(options) {
  // The resolver keeps only the low 16 bits (70000 would connect to 4464), so a bad port
  // is refused here, when the stream is defined, rather than reading from the wrong one.
  if (port < 1 || port > 65535)
    throw std::invalid_argument("socket_text_stream: port " + std::to_string(port) + " (host " +
                                host_ + ") is outside 1-65535");
}

std::string SocketReceiver::name() const {
  return "SocketReceiver(" + host_ + ":" + std::to_string(port_) + ")";
}

void SocketReceiver::on_start() {
  asio::io_context io;
  {
    std::lock_guard lock(running_mutex_);
    running_ = &io;
  }
  std::string failure;
  try {
    SocketConnection connection(*this, io);
    connection.start();
    io.run();
  } catch (const std::exception& e) {
    failure = e.what();
  }
  {
    std::lock_guard lock(running_mutex_);
    running_ = nullptr;
  }
  // Anything unexpected (the sink refused a store, out of memory) goes to the supervisor,
  // which restarts the receiver after a pause, as Spark's does.
  if (!failure.empty() && !is_stopped()) {
    try {
      restart(name() + ": " + failure);
    } catch (...) {
      // No sink to restart through: the receiver is being torn down anyway.
    }
  }
}

void SocketReceiver::on_stop() {
  std::lock_guard lock(running_mutex_);
  if (running_) running_->stop();
}

}  // namespace rill::detail
