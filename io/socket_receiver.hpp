// SocketReceiver: the receiver behind socket_text_stream (Spark's SocketReceiver). A TCP
// client that reads the server's bytes in large buffers, cuts them into lines and stores
// each buffer's lines as one batch. It never gives up on its own: when the server is
// unreachable or closes, it reconnects after a delay that doubles from initial_backoff
// up to max_backoff. Lines longer than max_line_bytes are skipped and reported.
#pragma once
#include <atomic>
#include <cstdint>
#include <mutex>
#include <rill/dstream/receiver.hpp>
#include <rill/io/socket_options.hpp>
#include <string>

namespace boost::asio {
class io_context;
}

namespace rill::detail {

class SocketConnection;

class SocketReceiver final : public Receiver<std::string> {
 public:
  // Throws std::invalid_argument for a port outside 1-65535.
  SocketReceiver(std::string host, int port, SocketTextOptions options = {});

  // Runs an io_context on the calling (receiver) thread until is_stopped() or on_stop().
  void on_start() override;
  // Interrupts on_start from any thread: a blocked read or connect returns at once.
  void on_stop() override;
  std::string name() const override;

  // Counters over the receiver's whole life, for tests and monitoring.
  // Lines whose store() has returned: a batch allocated after this read has them.
  std::uint64_t lines() const { return lines_.load(std::memory_order_acquire); }
  std::uint64_t oversized_lines() const { return oversized_.load(std::memory_order_relaxed); }
  std::uint64_t connections() const { return connections_.load(std::memory_order_relaxed); }
  // Successful connections after the first one.
  std::uint64_t reconnects() const { return reconnects_.load(std::memory_order_relaxed); }
  std::uint64_t failed_connects() const { return failed_connects_.load(std::memory_order_relaxed); }

  const std::string& host() const { return host_; }
  int port() const { return port_; }
  const SocketTextOptions& options() const { return options_; }

 private:
  friend class SocketConnection;  // one connect-read-reconnect loop, in the .cpp

  const std::string host_;
  const int port_;
  const SocketTextOptions options_;

  // The io_context of the running on_start, so that on_stop (another thread) can stop
  // it; null while not running. Guarded by running_mutex_.
  std::mutex running_mutex_;
  boost::asio::io_context* running_ = nullptr;

  std::atomic<std::uint64_t> lines_{0};
  std::atomic<std::uint64_t> oversized_{0};
  std::atomic<std::uint64_t> connections_{0};
  std::atomic<std::uint64_t> reconnects_{0};
  std::atomic<std::uint64_t> failed_connects_{0};
};

}  // namespace rill::detail
