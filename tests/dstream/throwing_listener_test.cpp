// A StreamingListener that throws does not keep the others from any event: each listener
// gets every event, and a throwing one is reported once on stderr.
#include "dstream/stream_test_support.hpp"

namespace rill::test {
namespace {

struct ThrowingListener : StreamingListener {
  void on_batch_submitted(const BatchInfo&) override { throw std::runtime_error("listener broke"); }
  void on_batch_completed(const BatchInfo&) override { throw std::runtime_error("listener broke"); }
};

struct ThrowsIntListener : StreamingListener {
  void on_batch_started(const BatchInfo&) override { throw 42; }
};

struct BatchEventRecorder : StreamingListener {
  void on_batch_submitted(const BatchInfo& b) override { add("submitted", b); }
  void on_batch_started(const BatchInfo& b) override { add("started", b); }
  void on_batch_completed(const BatchInfo& b) override { add("completed", b); }
  void add(const std::string& what, const BatchInfo& b) {
    std::lock_guard lock(m);
    events.push_back(what + " " + std::to_string(b.batch_time.count()));
  }
  std::mutex m;
  std::vector<std::string> events;
};

std::size_t occurrences(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) ++n;
  return n;
}

TEST(ThrowingListener, OthersGetEveryEventAndEachThrowerIsReportedOnce) {
  StreamHarness h;
  ThrowingListener first;
  ThrowsIntListener second;
  BatchEventRecorder third;
  h.ssc.add_listener(first);
  h.ssc.add_listener(second);
  h.ssc.add_listener(third);
  h.ssc.queue_stream(h.queue_of(std::vector<std::vector<int>>{{1}, {2}}))
      .foreach_rdd([](const Rdd<int>&) {});
  ::testing::internal::CaptureStderr();
  h.ssc.start();
  h.run_batches(2);
  h.ssc.stop();
  const std::string err = ::testing::internal::GetCapturedStderr();
  {
    std::lock_guard lock(third.m);
    EXPECT_EQ(third.events,
              (std::vector<std::string>{"submitted 100", "started 100", "completed 100",
                                        "submitted 200", "started 200", "completed 200"}));
  }
  EXPECT_EQ(occurrences(err, "listener broke"), 1u) << err;
  EXPECT_EQ(occurrences(err, "unknown exception"), 1u) << err;
  EXPECT_NE(err.find("on_batch_submitted"), std::string::npos) << err;
  EXPECT_NE(err.find("on_batch_started"), std::string::npos) << err;
}

}  // namespace
}  // namespace rill::test
