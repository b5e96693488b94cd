// Errors of input streams that are not receivers (DStreamGraph::report_stream_error)
// reach the listeners as on_stream_error, counted per stream; before start() and after
// stop() they are only counted.
#include "dstream/stream_test_support.hpp"

namespace rill::test {
namespace {

// A test-only input whose batches report an error instead of reading anything: what
// text_file_stream does with a file it cannot read.
class FailingInputNode final : public detail::DStreamNode<int> {
 public:
  explicit FailingInputNode(std::shared_ptr<detail::DStreamGraph> g)
      : DStreamNode<int>(std::move(g), {}, "failing_input") {}
  void allocate_batch(Time t) override {
    if (initialized()) get_or_compute(t);
  }
  std::optional<Rdd<int>> compute(Time t) override {
    graph().report_stream_error(id(), name(), "cannot read batch " + std::to_string(t.count()));
    return graph().context().empty_rdd<int>();
  }
};

TEST(StreamError, ReachesListenersWithAPerStreamCount) {
  StreamHarness h;
  StreamErrorRecorder log;
  h.ssc.add_listener(log);
  auto node = std::make_shared<FailingInputNode>(h.ssc.graph());
  h.ssc.graph()->add_input(node);
  DStream<int> failing(node);
  failing.foreach_rdd([](const Rdd<int>&) {});
  auto queue = h.ssc.queue_stream(h.queue_of(std::vector<std::vector<int>>{{1}}));
  queue.foreach_rdd([](const Rdd<int>&) {});
  const int qid = queue.node().id();

  auto& graph = *h.ssc.graph();
  ::testing::internal::CaptureStderr();
  graph.report_stream_error(qid, "queue_stream stream [1]", "before start");  // counted only
  h.ssc.start();
  h.run_batches(2);
  graph.report_stream_error(qid, "queue_stream stream [1]", "while running");
  h.ssc.stop();
  graph.report_stream_error(qid, "queue_stream stream [1]", "after stop");  // counted only
  const std::string err = ::testing::internal::GetCapturedStderr();

  EXPECT_EQ(graph.stream_errors(node->id()), 2);
  EXPECT_EQ(graph.stream_errors(qid), 3);
  EXPECT_EQ(graph.stream_errors(99), 0);
  EXPECT_NE(err.find("before start"), std::string::npos) << err;
  EXPECT_NE(err.find("after stop"), std::string::npos) << err;
  std::lock_guard lock(log.m);
  ASSERT_EQ(log.errors.size(), 3u);
  EXPECT_EQ(log.errors[0].stream_id, node->id());
  EXPECT_EQ(log.errors[0].name, "failing_input stream [0]");
  EXPECT_EQ(log.errors[0].message, "cannot read batch 100");
  EXPECT_EQ(log.errors[0].errors, 1);
  EXPECT_EQ(log.errors[1].message, "cannot read batch 200");
  EXPECT_EQ(log.errors[1].errors, 2);
  EXPECT_EQ(log.errors[2].stream_id, qid);
  EXPECT_EQ(log.errors[2].message, "while running");
  EXPECT_EQ(log.errors[2].errors, 2) << "the one before start() counts";
}

}  // namespace
}  // namespace rill::test
