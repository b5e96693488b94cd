// slice() needs the stream's zero time, which start() sets: before it, slice throws
// (as Spark's "has not been initialized") instead of computing a batch and eating input.
#include "dstream/stream_test_support.hpp"

namespace rill::test {
namespace {

TEST(SliceBeforeStart, ThrowsNamingTheStreamAndLeavesTheInputAlone) {
  StreamHarness h;
  auto in = h.ssc.queue_stream(h.queue_of(std::vector<std::vector<int>>{{1}, {2}}));
  Collector<int> c(in);
  try {
    in.slice(100ms, 200ms);
    ADD_FAILURE() << "slice before start() did not throw";
  } catch (const std::logic_error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("queue_stream stream [0]"), std::string::npos) << what;
    EXPECT_NE(what.find("not been initialized"), std::string::npos) << what;
  }
  h.ssc.start();
  h.run_batches(2);
  h.ssc.stop();
  EXPECT_EQ(c.in_order(), (std::vector<std::vector<int>>{{1}, {2}}));
}

TEST(SliceBeforeStart, ThrowsForAStreamNoOutputDependsOn) {
  StreamHarness h;
  auto in = h.ssc.queue_stream(h.queue_of(std::vector<std::vector<int>>{{1}}));
  in.foreach_rdd([](const Rdd<int>&) {});
  auto unused = in.map([](int x) { return x + 1; });
  h.ssc.remember(1000ms);
  h.ssc.start();
  h.run_batches(1);
  EXPECT_THROW(unused.slice(100ms, 100ms), std::logic_error);
  EXPECT_EQ(in.slice(100ms, 100ms).size(), 1u);
  h.ssc.stop();
}

}  // namespace
}  // namespace rill::test
