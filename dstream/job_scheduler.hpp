// JobScheduler: runs a StreamingContext (Spark's JobScheduler with its JobGenerator and
// ReceiverTracker). The generator thread waits on the clock for each batch time
// zero + k * interval, lets the inputs take what arrived, asks the graph for one job per
// output operation and queues the batch; Config::concurrent_jobs worker threads run the
// batches. Output operation j of a batch waits for operation j of the previous batch, so
// each output sees batches in time order and batches complete in time order.
#pragma once
#include <condition_variable>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <rill/dstream/clock.hpp>
#include <rill/dstream/dstream_graph.hpp>
#include <rill/dstream/listener_bus.hpp>
#include <rill/dstream/rate_estimator.hpp>
#include <rill/dstream/receiver_supervisor_base.hpp>
#include <thread>
#include <vector>

namespace rill::detail {

class JobScheduler {
 public:
  JobScheduler(std::shared_ptr<DStreamGraph> graph, std::shared_ptr<Clock> clock);
  ~JobScheduler();

  void add_listener(StreamingListener& l) { bus_.add_listener(l); }
  void start();
  void stop(bool graceful);
  bool started() const;
  bool stopped() const;

  // Blocks until stop() or until a job failed; rethrows the first failure.
  void await_termination();
  bool await_termination_or_timeout(Duration timeout);
  // Blocks (real time, at most `limit`) until batch t has completed and its
  // on_batch_completed events were delivered.
  void await_batch_completed(Time t, Duration limit);
  std::optional<Time> last_completed_batch() const;
  Time zero_time() const;

 private:
  struct Batch {
    std::size_t seq;  // 0, 1, 2, ... in time order
    Time time;
    std::vector<OutputJob> jobs;
    BatchInfo info;
  };

  void generator_loop(std::stop_token stop);
  void generate(Time t);
  void worker_loop();
  void run_batch(Batch& b);
  void report_error(std::exception_ptr e);
  ReceiverEnv receiver_env();
  bool receivers_have_data() const;

  std::shared_ptr<DStreamGraph> graph_;
  std::shared_ptr<Clock> clock_;
  ListenerBus bus_;
  std::vector<ReceiverSupervisorBase*> receivers_;  // fixed at start()
  std::optional<PidRateEstimator> estimator_;       // backpressure; guarded by mutex_

  mutable std::mutex mutex_;
  std::condition_variable_any cv_;  // any: the generator waits with its stop_token
  // All guarded by mutex_.
  enum class Phase { initialized, active, stopping, stopped } phase_ = Phase::initialized;
  Time zero_{0};
  Time next_time_{0};  // the next batch time to generate
  std::optional<Time> last_generated_;
  std::size_t next_seq_ = 0;
  std::deque<std::shared_ptr<Batch>> pending_;  // generated, not yet started
  std::size_t running_ = 0;
  std::vector<std::optional<std::size_t>> op_done_;  // per output: last batch seq finished
  std::optional<Time> last_completed_;               // set after listeners saw it
  std::optional<std::size_t> last_finished_seq_;     // for 0 ms intervals
  bool shutdown_workers_ = false;
  std::exception_ptr error_;

  std::jthread generator_;
  std::vector<std::thread> workers_;
};

}  // namespace rill::detail
