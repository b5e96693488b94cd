// socket_text_stream end to end: a real TCP server, a StreamingContext on the system
// clock, output operations counting what arrives. Waits only for the real socket.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <rill/rill.hpp>
#include <string>
#include <thread>
#include <vector>

namespace rill::test {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Serves `text` to the first client, then holds the connection open until destroyed
// (a live source that went quiet, so the receiver sees no disconnect).
class QuietAfterServer {
 public:
  explicit QuietAfterServer(std::string text)
      : text_(std::move(text)),
        acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] {
      tcp::socket s(io_);
      boost::system::error_code ec;
      acceptor_.accept(s, ec);
      if (ec) return;
      // Several writes, so lines straddle them.
      std::string_view rest(text_);
      while (!rest.empty() && !ec) {
        auto n = std::min<std::size_t>(rest.size(), 7777);
        asio::write(s, asio::buffer(rest.data(), n), ec);
        rest.remove_prefix(n);
      }
      std::unique_lock lock(mutex_);
      cv_.wait(lock, [&] { return release_; });
    });
  }
  ~QuietAfterServer() {
    {
      std::lock_guard lock(mutex_);
      release_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  int port() const { return port_; }

 private:
  std::string text_;
  asio::io_context io_;
  tcp::acceptor acceptor_;
  int port_ = 0;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool release_ = false;
  std::thread thread_;
};

// Collects receiver errors and batch record counts as the listeners see them.
class RecordingListener final : public StreamingListener {
 public:
  void on_batch_completed(const BatchInfo& info) override {
    std::lock_guard lock(mutex_);
    records_ += info.num_records;
  }
  void on_receiver_error(const ReceiverInfo& info) override {
    std::lock_guard lock(mutex_);
    errors_.push_back(info.last_error);
  }
  std::int64_t records() const {
    std::lock_guard lock(mutex_);
    return records_;
  }
  std::vector<std::string> errors() const {
    std::lock_guard lock(mutex_);
    return errors_;
  }

 private:
  mutable std::mutex mutex_;
  std::int64_t records_ = 0;
  std::vector<std::string> errors_;
};

bool wait_until(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (!pred()) {
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(10ms);  // waiting for the real socket
  }
  return true;
}

std::uint64_t line_hash(const std::string& s) {
  return std::hash<std::string>{}(s)*2654435761u + s.size();
}

TEST(SocketTextStream, EveryLineReachesTheOutputExactlyOnce) {
  constexpr int kLines = 200'000;
  std::string text;
  std::uint64_t want_sum = 0;
  for (int i = 0; i < kLines; ++i) {
    std::string line = "event " + std::to_string(i) + " user" + std::to_string(i % 97);
    want_sum += line_hash(line);
    text += line + (i % 3 ? "\n" : "\r\n");
  }
  QuietAfterServer server(text);

  Context ctx(Config{.parallelism = 2});
  StreamingContext ssc(ctx, 100ms);
  auto lines = ssc.socket_text_stream("127.0.0.1", server.port());
  std::atomic<std::int64_t> count{0};
  std::atomic<std::uint64_t> sum{0};
  std::atomic<std::int64_t> counted_by_stream{0};
  lines.foreach_rdd([&](const Rdd<std::string>& rdd) {
    for (const auto& l : rdd.collect()) {
      sum += line_hash(l);
      ++count;
    }
  });
  lines.count().foreach_rdd([&](const Rdd<std::int64_t>& rdd) {
    for (auto n : rdd.collect()) counted_by_stream += n;
  });
  RecordingListener listener;
  ssc.add_listener(listener);
  ssc.start();
  ASSERT_TRUE(wait_until([&] { return count.load() >= kLines; }, 60s)) << count.load();
  ssc.stop(/*stop_context=*/false, /*graceful=*/true);

  EXPECT_EQ(count.load(), kLines);
  EXPECT_EQ(sum.load(), want_sum);
  EXPECT_EQ(counted_by_stream.load(), kLines);
  EXPECT_EQ(listener.records(), kLines);
}

TEST(SocketTextStream, OversizedLinesAndUnreachableServersReachTheListeners) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("rill_socket_text_stream_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto json_path = (dir / "batches.jsonl").string();

  std::string text = "short one\n" + std::string(300, 'L') + "\nshort two\n";
  QuietAfterServer server(text);
  Context ctx(Config{.parallelism = 2});
  StreamingContext ssc(ctx, 100ms);
  auto lines =
      ssc.socket_text_stream("127.0.0.1", server.port(), SocketTextOptions{.max_line_bytes = 100});
  std::mutex m;
  std::vector<std::string> got;
  lines.foreach_rdd([&](const Rdd<std::string>& rdd) {
    auto v = rdd.collect();
    std::lock_guard lock(m);
    got.insert(got.end(), v.begin(), v.end());
  });
  RecordingListener listener;
  ssc.add_listener(listener);
  {
    JsonBatchListener json(json_path);
    ssc.add_listener(json);
    ssc.start();
    ASSERT_TRUE(wait_until(
        [&] {
          std::lock_guard lock(m);
          return got.size() >= 2 && !listener.errors().empty();
        },
        30s));
    ssc.stop(false, true);
  }
  EXPECT_EQ(got, (std::vector<std::string>{"short one", "short two"}));
  auto errors = listener.errors();
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("skipped 1 line longer than max_line_bytes = 100"), std::string::npos)
      << errors[0];

  std::ifstream in(json_path);
  std::int64_t records = 0;
  int error_lines = 0;
  for (std::string l; std::getline(in, l);) {
    auto j = nlohmann::json::parse(l);
    if (j["event"] == "batch_completed") records += j["records"].get<std::int64_t>();
    if (j["event"] == "receiver_error") ++error_lines;
  }
  EXPECT_EQ(records, 2);
  EXPECT_EQ(error_lines, 1);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace rill::test
