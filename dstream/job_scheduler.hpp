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
  void remove_listener(StreamingListener& l) { bus_.remove_listener(l); }
  // Before start(): continue a previous run (get_or_create) with its zero time, from the
  // batch after last_completed, however far the clock has moved on meanwhile.
  void resume(Time zero, std::optional<Time> last_completed);
  void start();
  // From an output operation (a worker thread) stop() cannot wait for its own batch: it
  // lets that batch finish, drops every later one and returns; another thread completes
  // the shutdown. Calls after the first are no-ops that wait for the first to finish.
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
  // A stop() on a thread that finish_stop() must wait for or join: returns at once and
  // a stopper thread finishes it. `cutoff`: the batch it was called in (see cut_off).
  void stop_on_another_thread(bool graceful, std::optional<std::size_t> cutoff);
  void finish_stop(bool graceful);
  bool cut_off(std::size_t seq) const { return cutoff_seq_ && seq > *cutoff_seq_; }
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
  // Set by a stop() from inside batch cutoff_seq_: later batches run no output operation.
  std::optional<std::size_t> cutoff_seq_;
  std::thread stopper_;
  std::optional<std::pair<Time, std::optional<Time>>>
      resume_;  // (zero, last completed)  // finishes a stop() called from inside a batch
  std::exception_ptr error_;

  std::jthread generator_;
  std::vector<std::thread> workers_;
};

}  // namespace rill::detail
