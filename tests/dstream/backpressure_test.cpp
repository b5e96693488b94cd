#include "dstream/stream_test_support.hpp"

namespace rill::test {
namespace {

TEST(Backpressure, PidEstimatorFollowsTheProcessingRate) {
  detail::PidRateEstimator pid(1000ms);
  EXPECT_FALSE(pid.compute(1000ms, 0, 10ms, 0ms));   // no records: no information
  EXPECT_FALSE(pid.compute(1000ms, 100, 0ms, 0ms));  // no measurable processing time
  EXPECT_DOUBLE_EQ(*pid.compute(1000ms, 1000, 1000ms, 0ms), 1000.0);  // first: the processing rate
  EXPECT_DOUBLE_EQ(*pid.compute(2000ms, 1000, 2000ms, 0ms), 500.0);   // slower: proportional step
  EXPECT_DOUBLE_EQ(*pid.compute(3000ms, 1000, 2000ms, 1000ms), 400.0);  // a backlog pulls it down
  EXPECT_FALSE(pid.compute(3000ms, 1000, 2000ms, 0ms));                 // time did not move
  EXPECT_DOUBLE_EQ(*pid.compute(4000ms, 1, 1000ms, 0ms), 100.0);        // never below the minimum
}

TEST(Backpressure, SupervisorRateIsCappedByTheConfiguredMaximum) {
  struct Idle final : Receiver<int> {
    void on_start() override {}
    void on_stop() override {}
  };
  ManualClock clock;
  detail::ReceiverSupervisor<int> sup(std::make_unique<Idle>());
  detail::ReceiverEnv env;
  env.clock = &clock;
  env.max_rate = 500;
  env.backpressure = true;
  sup.start(env);
  sup.update_rate(2000);
  EXPECT_EQ(sup.rate(), 500);
  sup.update_rate(120);
  EXPECT_EQ(sup.rate(), 120);
  sup.stop();
}

}  // namespace
}  // namespace rill::test
