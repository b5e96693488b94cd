// StreamingContext::remove_listener: a removed listener gets no later event, also when it
// removes itself from inside its own callback (on the listener bus thread).
#include "dstream/stream_test_support.hpp"

namespace rill::test {
namespace {

struct CompletedTimes : StreamingListener {
  void on_batch_completed(const BatchInfo& b) override {
    std::lock_guard lock(m);
    times.push_back(b.batch_time);
    if (ssc && times.size() == remove_after) ssc->remove_listener(*this);
  }
  std::vector<Time> seen() {
    std::lock_guard lock(m);
    return times;
  }
  StreamingContext* ssc = nullptr;  // set: removes itself after `remove_after` batches
  std::size_t remove_after = 0;
  std::mutex m;
  std::vector<Time> times;
};

TEST(RemoveListener, NoEventsAfterRemovalFromOutsideOrInside) {
  StreamHarness h(100ms);
  Collector<int> out(h.ssc.queue_stream(h.queue_of<int>({{1}, {2}, {3}, {4}, {5}})));
  CompletedTimes outside, inside, kept;
  inside.ssc = &h.ssc;
  inside.remove_after = 3;
  h.ssc.add_listener(outside);
  h.ssc.add_listener(inside);
  h.ssc.add_listener(kept);
  h.ssc.start();
  h.run_batches(2);
  h.ssc.remove_listener(outside);
  h.ssc.remove_listener(outside);  // again: harmless
  h.run_batches(3);
  h.ssc.stop();
  EXPECT_EQ(outside.seen(), (std::vector<Time>{100ms, 200ms}));
  EXPECT_EQ(inside.seen(), (std::vector<Time>{100ms, 200ms, 300ms}));
  EXPECT_EQ(kept.seen(), (std::vector<Time>{100ms, 200ms, 300ms, 400ms, 500ms}));
}

}  // namespace
}  // namespace rill::test
