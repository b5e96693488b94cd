// SocketReceiver against real TCP servers on 127.0.0.1. The only waits here are for the
// real socket (bounded by deadlines); everything else is synchronous.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <random>
#include <rill/io/socket_receiver.hpp>
#include <string>
#include <thread>
#include <vector>

#include "io/loopback_port.hpp"

namespace rill::test {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Order-sensitive checksum of a sequence of lines (FNV-1a over each line and a separator).
struct Checksum {
  std::uint64_t h = 1469598103934665603ull;
  void add(std::string_view line) {
    for (unsigned char c : line) h = (h ^ c) * 1099511628211ull;
    h = (h ^ 0xffu) * 1099511628211ull;
  }
};

// Stands in for the streaming side: counts and checksums what the receiver stores.
class FakeSink final : public detail::ReceiverSink<std::string> {
 public:
  explicit FakeSink(bool keep_lines = true) : keep_lines_(keep_lines) {}
  void store(std::string record) override { store(std::vector<std::string>{std::move(record)}); }
  void store(std::vector<std::string> records) override {
    std::lock_guard lock(mutex_);
    if (throw_on_store_) throw std::runtime_error("sink is full");
    ++batches_;
    for (auto& r : records) {
      checksum_.add(r);
      ++count_;
      if (keep_lines_) lines_.push_back(std::move(r));
    }
    changed_.notify_all();
  }
  void restart(const std::string& reason) override {
    std::lock_guard lock(mutex_);
    restarts_.push_back(reason);
    changed_.notify_all();
  }
  void report_error(const std::string& message) override {
    std::lock_guard lock(mutex_);
    errors_.push_back(message);
    changed_.notify_all();
  }

  // Waits (for the socket) until pred() holds or the deadline passes. pred may look at
  // the receiver's counters, which do not notify, hence the short wait slices.
  bool wait_for(const std::function<bool()>& pred, std::chrono::milliseconds timeout = 30s) {
    const auto deadline = Clock::now() + timeout;
    while (!pred()) {
      if (Clock::now() > deadline) return false;
      std::unique_lock lock(mutex_);
      changed_.wait_for(lock, 5ms);
    }
    return true;
  }
  bool wait_count(std::uint64_t n, std::chrono::milliseconds timeout = 30s) {
    return wait_for([&] { return count() >= n; }, timeout);
  }

  std::uint64_t count() const {
    std::lock_guard lock(mutex_);
    return count_;
  }
  std::uint64_t batches() const {
    std::lock_guard lock(mutex_);
    return batches_;
  }
  std::uint64_t checksum() const {
    std::lock_guard lock(mutex_);
    return checksum_.h;
  }
  std::vector<std::string> lines() const {
    std::lock_guard lock(mutex_);
    return lines_;
  }
  std::vector<std::string> restarts() const {
    std::lock_guard lock(mutex_);
    return restarts_;
  }
  std::vector<std::string> errors_containing(const std::string& what) const {
    std::lock_guard lock(mutex_);
    std::vector<std::string> out;
    for (auto& e : errors_)
      if (e.find(what) != std::string::npos) out.push_back(e);
    return out;
  }
  void throw_on_store() {
    std::lock_guard lock(mutex_);
    throw_on_store_ = true;
  }

 private:
  const bool keep_lines_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::uint64_t count_ = 0;
  std::uint64_t batches_ = 0;
  Checksum checksum_;
  std::vector<std::string> lines_;
  std::vector<std::string> errors_;
  std::vector<std::string> restarts_;
  bool throw_on_store_ = false;
};

// The receiver on its own thread, as a receiver supervisor would run it.
class RunningReceiver {
 public:
  RunningReceiver(detail::SocketReceiver& r, FakeSink& sink) : r_(r) {
    r_.attach(&sink);
    r_.set_stopped(false);
    thread_ = std::thread([this] { r_.on_start(); });
  }
  ~RunningReceiver() {
    if (thread_.joinable()) stop();
  }
  // Stops as the supervisor does; returns how long until on_start returned.
  Clock::duration stop(bool call_on_stop = true) {
    auto t0 = Clock::now();
    r_.set_stopped(true);
    if (call_on_stop) r_.on_stop();
    thread_.join();
    return Clock::now() - t0;
  }

 private:
  detail::SocketReceiver& r_;
  std::thread thread_;
};

// A one-connection TCP server on 127.0.0.1: accepts once, runs `serve` on the socket,
// closes. Port 0 picks an ephemeral port.
class OneShotServer {
 public:
  explicit OneShotServer(std::function<void(tcp::socket&)> serve, unsigned short port = 0)
      : acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), port)) {
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this, serve = std::move(serve)] {
      tcp::socket s(io_);
      boost::system::error_code ec;
      acceptor_.accept(s, ec);
      if (ec) return;
      acceptor_.close(ec);  // later connects are refused, as from a server that went away
      serve(s);
      s.shutdown(tcp::socket::shutdown_both, ec);
      s.close(ec);
    });
  }
  ~OneShotServer() { join(); }
  void join() {
    if (thread_.joinable()) thread_.join();
  }
  int port() const { return port_; }

 private:
  asio::io_context io_;
  tcp::acceptor acceptor_;
  int port_ = 0;
  std::thread thread_;
};

void write_all(tcp::socket& s, std::string_view bytes) {
  boost::system::error_code ec;
  asio::write(s, asio::buffer(bytes.data(), bytes.size()), ec);
}

SocketTextOptions fast_retry(std::size_t max_line_bytes = 1 << 20) {
  return SocketTextOptions{
      .max_line_bytes = max_line_bytes, .initial_backoff = 5ms, .max_backoff = 50ms};
}

TEST(SocketReceiver, MillionLinesAtFullSpeedArriveExactlyOnce) {
  constexpr std::size_t kLines = 1'000'000;
  constexpr std::size_t kMaxLine = 1024;
  // The stream: numbered lines of varying length, some CRLF, one oversized line in the
  // middle; the expectation is computed while building it.
  std::string stream;
  stream.reserve(kLines * 48);
  Checksum want;
  std::mt19937 rng(1);
  for (std::size_t i = 0; i < kLines; ++i) {
    std::string line = "line " + std::to_string(i) + " " + std::string(rng() % 40, 'a' + i % 26);
    want.add(line);
    stream += line;
    stream += (i % 7 == 0) ? "\r\n" : "\n";
    if (i == kLines / 2) stream += std::string(kMaxLine * 5, 'X') + "\n";
  }
  OneShotServer server([&](tcp::socket& s) {
    // Writes of random sizes, so lines are cut at arbitrary points between writes.
    std::mt19937 cut(2);
    std::string_view rest(stream);
    while (!rest.empty()) {
      auto n = std::min<std::size_t>(rest.size(), 1 + cut() % 100'000);
      write_all(s, rest.substr(0, n));
      rest.remove_prefix(n);
    }
  });

  detail::SocketReceiver receiver("127.0.0.1", server.port(), fast_retry(kMaxLine));
  FakeSink sink(/*keep_lines=*/false);
  RunningReceiver running(receiver, sink);
  ASSERT_TRUE(sink.wait_count(kLines, 60s)) << "got " << sink.count() << " lines";
  server.join();
  running.stop();

  EXPECT_EQ(sink.count(), kLines);
  EXPECT_EQ(sink.checksum(), want.h);
  EXPECT_EQ(receiver.lines(), kLines);
  EXPECT_EQ(receiver.oversized_lines(), 1u);
  auto reports = sink.errors_containing("longer than");
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_NE(reports[0].find("skipped 1 line"), std::string::npos) << reports[0];
  EXPECT_NE(reports[0].find(std::to_string(kMaxLine)), std::string::npos) << reports[0];
  // Stored in batches, not line by line.
  EXPECT_LT(sink.batches(), kLines / 100);
}

TEST(SocketReceiver, ReconnectsWhenTheServerComesBack) {
  auto serve = [](std::string prefix) {
    return [prefix](tcp::socket& s) {
      std::string text;
      for (int i = 0; i < 100; ++i) text += prefix + std::to_string(i) + "\n";
      text += prefix + "tail";  // no newline: delivered when the server closes
      write_all(s, text);
    };
  };
  auto first = std::make_unique<OneShotServer>(serve("a"));
  const int port = first->port();
  detail::SocketReceiver receiver("127.0.0.1", port, fast_retry());
  FakeSink sink;
  RunningReceiver running(receiver, sink);
  ASSERT_TRUE(sink.wait_count(101));
  first.reset();  // closed, and its port refuses connections for a while
  ASSERT_TRUE(sink.wait_for([&] { return receiver.failed_connects() > 0; }));

  OneShotServer second(serve("b"), static_cast<unsigned short>(port));
  ASSERT_TRUE(sink.wait_count(202));
  running.stop();

  std::vector<std::string> want;
  for (const char* p : {"a", "b"}) {
    for (int i = 0; i < 100; ++i) want.push_back(p + std::to_string(i));
    want.push_back(std::string(p) + "tail");
  }
  EXPECT_EQ(sink.lines(), want);
  EXPECT_EQ(receiver.connections(), 2u);
  EXPECT_EQ(receiver.reconnects(), 1u);
  // Refused reconnects are reported once per streak, not once per attempt: one streak
  // between the servers, perhaps a second one after the second server left.
  auto reports = sink.errors_containing("cannot connect");
  EXPECT_GE(reports.size(), 1u);
  EXPECT_LE(reports.size(), 2u);
}

TEST(SocketReceiver, KeepsRetryingUntilAServerAppears) {
  const int port = free_loopback_port();
  detail::SocketReceiver receiver("127.0.0.1", port, fast_retry());
  FakeSink sink;
  RunningReceiver running(receiver, sink);
  ASSERT_TRUE(sink.wait_for([&] { return receiver.failed_connects() >= 3; }));
  OneShotServer server([](tcp::socket& s) { write_all(s, "hello\n"); },
                       static_cast<unsigned short>(port));
  ASSERT_TRUE(sink.wait_count(1));
  running.stop();
  EXPECT_EQ(sink.lines(), std::vector<std::string>{"hello"});
}

TEST(SocketReceiver, ResolvesHostNamesAndTriesEveryAddress) {
  // "localhost" may resolve to ::1 first, where nobody listens; the IPv4 address works.
  OneShotServer server([](tcp::socket& s) { write_all(s, "via name\n"); });
  detail::SocketReceiver receiver("localhost", server.port(), fast_retry());
  FakeSink sink;
  RunningReceiver running(receiver, sink);
  ASSERT_TRUE(sink.wait_count(1));
  running.stop();
  EXPECT_EQ(sink.lines(), std::vector<std::string>{"via name"});
}

TEST(SocketReceiver, UnresolvableHostIsReportedOnceAndStopsPromptly) {
  detail::SocketReceiver receiver("no-such-host.invalid", 9, fast_retry());
  FakeSink sink;
  RunningReceiver running(receiver, sink);
  ASSERT_TRUE(sink.wait_for([&] { return receiver.failed_connects() >= 2; }));
  EXPECT_LT(running.stop(), 2s);  // a resolver lookup in flight may delay a little
  auto reports = sink.errors_containing("cannot resolve");
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_NE(reports[0].find("no-such-host.invalid"), std::string::npos) << reports[0];
}

TEST(SocketReceiver, StopWhileConnectedReturnsPromptly) {
  std::mutex m;
  std::condition_variable cv;
  bool release = false;
  OneShotServer server([&](tcp::socket& s) {
    write_all(s, "one\n");
    std::unique_lock lock(m);
    cv.wait(lock, [&] { return release; });  // keeps the connection open and silent
  });
  detail::SocketReceiver receiver("127.0.0.1", server.port(), fast_retry());
  FakeSink sink;
  RunningReceiver running(receiver, sink);
  ASSERT_TRUE(sink.wait_count(1));
  EXPECT_LT(running.stop(), 500ms);
  {
    std::lock_guard lock(m);
    release = true;
  }
  cv.notify_all();
}

TEST(SocketReceiver, StopWhileWaitingToReconnectReturnsPromptly) {
  auto options = fast_retry();
  options.initial_backoff = 30s;  // the receiver sits in its backoff wait
  options.max_backoff = 30s;
  detail::SocketReceiver receiver("127.0.0.1", free_loopback_port(), options);
  FakeSink sink;
  RunningReceiver running(receiver, sink);
  ASSERT_TRUE(sink.wait_for([&] { return receiver.failed_connects() >= 1; }));
  EXPECT_LT(running.stop(), 500ms);
}

TEST(SocketReceiver, StopWhileConnectingToAnUnroutableAddressReturnsPromptly) {
  // 10.255.255.1 usually swallows SYNs (connect hangs); without a network it fails at once.
  // Either way stop must not wait for the connect.
  detail::SocketReceiver receiver("10.255.255.1", 9, fast_retry());
  FakeSink sink;
  RunningReceiver running(receiver, sink);
  std::this_thread::sleep_for(50ms);  // let the connect start
  EXPECT_LT(running.stop(), 500ms);
}

TEST(SocketReceiver, IsStoppedAloneEndsTheLoop) {
  // A supervisor that only flips is_stopped() and waits for on_start to return.
  detail::SocketReceiver receiver("127.0.0.1", free_loopback_port(), fast_retry());
  FakeSink sink;
  RunningReceiver running(receiver, sink);
  ASSERT_TRUE(sink.wait_for([&] { return receiver.failed_connects() >= 1; }));
  EXPECT_LT(running.stop(/*call_on_stop=*/false), 500ms);
}

TEST(SocketReceiver, CanBeStartedAgainAfterStop) {
  // As the supervisor's restart does: on_stop, then on_start again on the same object.
  const int port = free_loopback_port();
  detail::SocketReceiver receiver("127.0.0.1", port, fast_retry());
  FakeSink sink;
  {
    RunningReceiver running(receiver, sink);
    ASSERT_TRUE(sink.wait_for([&] { return receiver.failed_connects() >= 1; }));
  }
  OneShotServer server([](tcp::socket& s) { write_all(s, "again\n"); },
                       static_cast<unsigned short>(port));
  RunningReceiver running(receiver, sink);
  ASSERT_TRUE(sink.wait_count(1));
  running.stop();
  EXPECT_EQ(sink.lines(), std::vector<std::string>{"again"});
}

TEST(SocketReceiver, RestartsThroughTheSupervisorWhenStoreFails) {
  OneShotServer server([](tcp::socket& s) { write_all(s, "x\n"); });
  detail::SocketReceiver receiver("127.0.0.1", server.port(), fast_retry());
  FakeSink sink;
  sink.throw_on_store();
  RunningReceiver running(receiver, sink);
  ASSERT_TRUE(sink.wait_for([&] { return !sink.restarts().empty(); }));
  running.stop();
  auto restarts = sink.restarts();
  ASSERT_EQ(restarts.size(), 1u);
  EXPECT_NE(restarts[0].find("sink is full"), std::string::npos) << restarts[0];
}

}  // namespace
}  // namespace rill::test
