// A receiver whose on_start or on_stop throws something that is not a std::exception is
// reported and restarted like one that throws a std::exception; the process goes on.
#include <condition_variable>

#include "dstream/stream_test_support.hpp"

namespace rill::test {
namespace {

// Throws 42 from its first on_start and its first on_stop, then behaves.
class ThrowsIntReceiver final : public Receiver<int> {
 public:
  void on_start() override {
    std::unique_lock lock(m);
    ++starts;
    cv.notify_all();
    if (starts == 1) throw 42;
  }
  void on_stop() override {
    std::unique_lock lock(m);
    ++stops;
    if (stops == 1) throw 42;
  }
  std::string name() const override { return "ThrowsIntReceiver"; }
  bool wait_running_start(int n) {
    std::unique_lock lock(m);
    return cv.wait_for(lock, 30s, [&] { return starts >= n && !is_stopped(); });
  }
  std::mutex m;
  std::condition_variable cv;
  int starts = 0, stops = 0;
};

struct ReceiverErrorRecorder : StreamingListener {
  void on_receiver_error(const ReceiverInfo& r) override {
    std::lock_guard lock(m);
    errors.push_back(r.last_error);
  }
  std::mutex m;
  std::vector<std::string> errors;
};

TEST(ReceiverFailure, NonStdExceptionsFromOnStartAndOnStopAreReportedAndRestarted) {
  StreamHarness h;
  ReceiverErrorRecorder log;
  h.ssc.add_listener(log);
  auto owned = std::make_unique<ThrowsIntReceiver>();
  auto* rx = owned.get();
  Collector<int> c(h.ssc.receiver_stream(std::move(owned)));
  h.ssc.start();
  ASSERT_TRUE(rx->wait_running_start(2)) << "restarted after on_start threw 42";
  rx->store(5);
  h.run_batches(1);
  h.ssc.stop();
  EXPECT_EQ(c.in_order(), (std::vector<std::vector<int>>{{5}}));
  std::lock_guard lock(log.m);
  EXPECT_EQ(log.errors, (std::vector<std::string>{"on_start failed: unknown exception",
                                                  "on_stop failed: unknown exception"}));
}

}  // namespace
}  // namespace rill::test
