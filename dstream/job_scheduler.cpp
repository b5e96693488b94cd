#include <algorithm>
#include <rill/dstream/job_scheduler.hpp>
#include <stdexcept>
#include <tuple>

namespace rill::detail {

using namespace std::chrono_literals;

namespace {
// The batch the calling thread is running, when it is a worker of `scheduler`.
struct RunningBatch {
  const JobScheduler* scheduler;
  std::size_t seq;
};
thread_local std::optional<RunningBatch> t_running;
// The scheduler whose generator thread this is (transform functions run there).
thread_local const JobScheduler* t_generator = nullptr;
}  // namespace

JobScheduler::JobScheduler(std::shared_ptr<DStreamGraph> graph, std::shared_ptr<Clock> clock)
    : graph_(std::move(graph)), clock_(std::move(clock)) {}

JobScheduler::~JobScheduler() {
  bool active;
  {
    std::lock_guard lock(mutex_);
    active = phase_ == Phase::active;
  }
  if (active) stop(false);
  std::thread stopper;
  {
    std::lock_guard lock(mutex_);
    stopper = std::move(stopper_);
  }
  if (stopper.joinable()) stopper.join();
  graph_->set_stream_error_sink({});  // the graph may outlive this scheduler
}

bool JobScheduler::started() const {
  std::lock_guard lock(mutex_);
  return phase_ != Phase::initialized;
}

bool JobScheduler::stopped() const {
  std::lock_guard lock(mutex_);
  return phase_ == Phase::stopped;
}

Time JobScheduler::zero_time() const {
  std::lock_guard lock(mutex_);
  return zero_;
}

ReceiverEnv JobScheduler::receiver_env() {
  ReceiverEnv env;
  env.clock = clock_.get();
  const auto& config = graph_->context().config();
  const auto interval = graph_->batch_interval();
  // Spark's default is 200 ms blocks for 1 s batches; short batches get shorter blocks so
  // that a batch still has about five of them.
  env.block_interval = config.block_interval;
  if (interval.count() > 0)
    env.block_interval = std::min(env.block_interval, std::max(Duration{1}, interval / 5));
  env.max_rate = config.receiver_max_rate;
  // A receiver that fell behind may catch up by one batch's worth, not Spark's full
  // second: with 10 ms batches a second's burst is a hundred batches in one.
  env.rate_burst =
      interval.count() > 0 ? std::clamp(interval, Duration{1}, Duration{1000}) : Duration{100};
  env.backpressure = config.backpressure;
  env.report = [this](ReceiverEvent ev, const ReceiverInfo& info) {
    switch (ev) {
      case ReceiverEvent::started:
        bus_.post("on_receiver_started",
                  [info](StreamingListener& l) { l.on_receiver_started(info); });
        break;
      case ReceiverEvent::stopped:
        bus_.post("on_receiver_stopped",
                  [info](StreamingListener& l) { l.on_receiver_stopped(info); });
        break;
      case ReceiverEvent::error:
        bus_.post("on_receiver_error", [info](StreamingListener& l) { l.on_receiver_error(info); });
        break;
    }
  };
  return env;
}

void JobScheduler::start() {
  {
    std::lock_guard lock(mutex_);
    if (phase_ == Phase::active) throw std::logic_error("StreamingContext already started");
    if (phase_ != Phase::initialized)
      throw std::logic_error(
          "StreamingContext was stopped and cannot be started again (make a new one)");
  }
  const auto interval = graph_->batch_interval();
  const auto now = clock_->now();
  // Spark aligns the zero time to the interval, so batch times are multiples of it.
  Time zero =
      interval.count() > 0 ? Time{(now.count() / interval.count()) * interval.count()} : now;
  std::optional<Time> resumed_after;
  {
    std::lock_guard lock(mutex_);
    if (resume_) std::tie(zero, resumed_after) = *resume_;
  }
  graph_->start(zero);                    // validates; throws before anything runs
  graph_->write_metadata(resumed_after);  // before any batch can write a newer one
  receivers_ = graph_->receivers();
  {
    std::lock_guard lock(mutex_);
    zero_ = zero;
    // Batches missed while down run now, one by one: no batch time is skipped.
    next_time_ = (resumed_after ? *resumed_after : zero) + interval;
    last_completed_ = resumed_after;
    op_done_.assign(graph_->num_outputs(), std::nullopt);
    if (graph_->context().config().backpressure) estimator_.emplace(interval);
    phase_ = Phase::active;
  }
  graph_->set_stream_error_sink([this](const StreamErrorInfo& info) {
    bus_.post("on_stream_error", [info](StreamingListener& l) { l.on_stream_error(info); });
  });
  bus_.start();
  const int workers = std::max(1, graph_->context().config().concurrent_jobs);
  for (int i = 0; i < workers; ++i) workers_.emplace_back([this] { worker_loop(); });
  auto env = receiver_env();
  for (auto* r : receivers_) r->start(env);
  generator_ = std::jthread([this](std::stop_token st) { generator_loop(st); });
}

void JobScheduler::resume(Time zero, std::optional<Time> last_completed) {
  std::lock_guard lock(mutex_);
  if (phase_ != Phase::initialized)
    throw std::logic_error("StreamingContext: cannot resume a context that was started");
  resume_.emplace(zero, last_completed);
}

void JobScheduler::generator_loop(std::stop_token stop) {
  t_generator = this;
  const auto interval = graph_->batch_interval();
  while (!stop.stop_requested()) {
    Time t;
    if (interval.count() > 0) {
      {
        std::lock_guard lock(mutex_);
        t = next_time_;
      }
      if (!clock_->wait_until(t, stop)) return;
    } else {
      // 0 ms: the next batch starts when the previous one has finished, at the clock's
      // time, which must have moved on so that no batch time repeats.
      Time after;
      {
        std::unique_lock lock(mutex_);
        if (!cv_.wait(lock, stop, [&] {
              return next_seq_ == 0 || (last_finished_seq_ && *last_finished_seq_ + 1 == next_seq_);
            }))
          return;
        after = last_generated_ ? *last_generated_ + Duration{1} : zero_ + Duration{1};
      }
      if (!clock_->wait_until(after, stop)) return;
      t = clock_->now();
    }
    generate(t);
  }
}

void JobScheduler::generate(Time t) {
  auto b = std::make_shared<Batch>();
  b->time = t;
  std::exception_ptr failure;
  try {
    graph_->allocate_batch(t);
    b->jobs = graph_->generate_jobs(t);
  } catch (...) {
    // The batch still runs (without jobs), so that no batch time is skipped.
    failure = std::current_exception();
    b->jobs.clear();
  }
  if (failure) report_error(failure);
  b->info.batch_time = t;
  b->info.num_records = graph_->take_input_records(t);
  b->info.submission_time = clock_->now();
  b->info.output_operations = b->jobs.size();
  std::lock_guard lock(mutex_);
  b->seq = next_seq_++;
  last_generated_ = t;
  const auto interval = graph_->batch_interval();
  next_time_ = t + (interval.count() > 0 ? interval : Duration{1});
  // Posted before the batch is visible to workers: submitted precedes started.
  bus_.post("on_batch_submitted",
            [info = b->info](StreamingListener& l) { l.on_batch_submitted(info); });
  pending_.push_back(std::move(b));
  cv_.notify_all();
}

void JobScheduler::worker_loop() {
  while (true) {
    std::shared_ptr<Batch> b;
    {
      std::unique_lock lock(mutex_);
      cv_.wait(lock, [&] { return shutdown_workers_ || !pending_.empty(); });
      if (pending_.empty()) return;
      b = std::move(pending_.front());
      pending_.pop_front();
      if (cut_off(b->seq)) continue;  // generated after an inner stop(): never starts
      ++running_;
    }
    run_batch(*b);
  }
}

void JobScheduler::run_batch(Batch& b) {
  t_running = RunningBatch{this, b.seq};
  struct Reset {
    ~Reset() { t_running.reset(); }
  } reset;
  auto& info = b.info;
  info.processing_start_time = clock_->now();
  info.scheduling_delay = *info.processing_start_time - info.submission_time;
  bus_.post("on_batch_started", [info](StreamingListener& l) { l.on_batch_started(info); });
  const std::size_t outputs = op_done_.size();
  // Returns false when a stop() inside an earlier batch cut this one off.
  auto wait_turn = [&](std::size_t j) {
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [&] {
      return cut_off(b.seq) || b.seq == 0 || (op_done_[j] && *op_done_[j] + 1 >= b.seq);
    });
    return !cut_off(b.seq);
  };
  std::size_t next_job = 0;
  for (std::size_t j = 0; j < outputs; ++j) {
    if (!wait_turn(j)) {
      // Started before the stop, but it must not output: it ends without completing.
      b.jobs.clear();
      {
        std::lock_guard lock(mutex_);
        --running_;
      }
      cv_.notify_all();
      return;
    }
    while (next_job < b.jobs.size() && b.jobs[next_job].output_index == j) {
      try {
        b.jobs[next_job].run();
      } catch (...) {
        report_error(std::current_exception());
      }
      b.jobs[next_job].run = nullptr;  // releases the batch's RDDs
      ++next_job;
    }
    if (j + 1 == outputs) break;  // the last one is marked done below, after cleanup
    {
      std::lock_guard lock(mutex_);
      op_done_[j] = b.seq;
    }
    cv_.notify_all();
  }
  // Late records and the watermark are counted by the batch's own jobs.
  try {
    const auto event_time = graph_->watermark_report(b.time);
    info.num_late_records = event_time.late_records;
    info.watermark = event_time.watermark;
  } catch (...) {
    report_error(std::current_exception());
  }
  // Every earlier batch has finished (its last output ran before ours), so what this
  // batch no longer needs can go.
  try {
    graph_->clear_metadata(b.time);
  } catch (...) {
    report_error(std::current_exception());
  }
  info.processing_end_time = clock_->now();
  info.processing_delay = *info.processing_end_time - *info.processing_start_time;
  info.total_delay = *info.processing_end_time - info.batch_time;
  {
    std::lock_guard lock(mutex_);
    op_done_[outputs - 1] = b.seq;
    --running_;
    if (estimator_)
      if (auto rate = estimator_->compute(*info.processing_end_time, info.num_records,
                                          *info.processing_delay, *info.scheduling_delay))
        for (auto* r : receivers_) r->update_rate(static_cast<std::int64_t>(*rate));
    last_finished_seq_ = b.seq;
    // Posted under the lock: completions reach listeners in batch order.
    // The batch counts as completed once every listener has had the event, also when
    // one of them threw. With no listener and no earlier event still queued it is
    // completed here: the hop through the bus thread was one of the thread hand-offs
    // that make up most of a small batch's fixed cost (BM_BatchOverhead_rill).
    if (bus_.idle_without_listeners()) {
      if (!last_completed_ || *last_completed_ < info.batch_time) last_completed_ = info.batch_time;
    } else {
      bus_.post(
          "on_batch_completed", [info](StreamingListener& l) { l.on_batch_completed(info); },
          [this, t = info.batch_time] {
            {
              std::lock_guard inner(mutex_);
              if (!last_completed_ || *last_completed_ < t) last_completed_ = t;
            }
            cv_.notify_all();
          });
    }
  }
  cv_.notify_all();
}

void JobScheduler::report_error(std::exception_ptr e) {
  {
    std::lock_guard lock(mutex_);
    if (!error_) error_ = e;
  }
  cv_.notify_all();
}

bool JobScheduler::receivers_have_data() const {
  for (auto* r : receivers_)
    if (r->has_unallocated_data()) return true;
  return false;
}

void JobScheduler::stop(bool graceful) {
  // Graceful or not, a stop inside batch `seq` cannot process data that would need later
  // batches: those would start after it, which is exactly what stop() forbids.
  if (t_running && t_running->scheduler == this) {
    stop_on_another_thread(false, t_running->seq);
    return;
  }
  // Inside a transform function or a listener callback: the stop joins that very thread.
  if (t_generator == this || bus_.on_bus_thread()) {
    stop_on_another_thread(graceful, std::nullopt);
    return;
  }
  {
    std::unique_lock lock(mutex_);
    if (phase_ == Phase::initialized) {
      phase_ = Phase::stopped;
      cv_.notify_all();
      return;
    }
    if (phase_ == Phase::stopping) {
      // Another stop is under way (maybe one from inside a batch): its guarantee holds
      // for this caller too once it has finished.
      cv_.wait(lock, [&] { return phase_ == Phase::stopped; });
      return;
    }
    if (phase_ != Phase::active) return;
    phase_ = Phase::stopping;
  }
  finish_stop(graceful);
}

void JobScheduler::stop_on_another_thread(bool graceful, std::optional<std::size_t> cutoff) {
  {
    std::lock_guard lock(mutex_);
    if (phase_ != Phase::active) return;
    phase_ = Phase::stopping;
    if (cutoff) {
      cutoff_seq_ = cutoff;
      pending_.clear();
    }
    stopper_ = std::thread([this, graceful] { finish_stop(graceful); });
  }
  cv_.notify_all();
}

void JobScheduler::finish_stop(bool graceful) {
  if (graceful)
    for (auto* r : receivers_) r->stop();  // what they stored becomes blocks
  generator_.request_stop();
  if (generator_.joinable()) generator_.join();
  if (graceful) {
    // Data received before stop() becomes batches now, without waiting for the clock.
    while (receivers_have_data()) {
      Time t;
      {
        std::lock_guard lock(mutex_);
        t = next_time_;
        if (graph_->batch_interval().count() == 0) t = std::max(t, clock_->now());
      }
      generate(t);
    }
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [&] { return pending_.empty() && running_ == 0; });
  } else {
    std::unique_lock lock(mutex_);
    pending_.clear();  // not started: dropped
    cv_.wait(lock, [&] { return running_ == 0; });
  }
  if (!graceful)
    for (auto* r : receivers_) r->stop();
  {
    std::lock_guard lock(mutex_);
    shutdown_workers_ = true;
  }
  cv_.notify_all();
  for (auto& w : workers_)
    if (w.joinable()) w.join();
  workers_.clear();
  // Background checkpoint files are on disk when stop()/await_termination() return.
  graph_->context().state()->checkpoint_writer().drain();
  graph_->complete_checkpoints();
  // Errors reported from now on go to stderr: the bus is about to deliver its last event.
  graph_->set_stream_error_sink({});
  bus_.stop();  // delivers what is left, completions included
  {
    std::lock_guard lock(mutex_);
    phase_ = Phase::stopped;
  }
  cv_.notify_all();
}

void JobScheduler::await_termination() {
  std::unique_lock lock(mutex_);
  cv_.wait(lock, [&] { return phase_ == Phase::stopped || error_; });
  if (error_) std::rethrow_exception(error_);
}

bool JobScheduler::await_termination_or_timeout(Duration timeout) {
  std::unique_lock lock(mutex_);
  const bool done = cv_.wait_for(lock, timeout, [&] { return phase_ == Phase::stopped || error_; });
  if (error_) std::rethrow_exception(error_);
  return done;
}

void JobScheduler::await_batch_completed(Time t, Duration limit) {
  std::unique_lock lock(mutex_);
  const bool ok = cv_.wait_for(lock, limit, [&] {
    return (last_completed_ && *last_completed_ >= t) || phase_ == Phase::stopped;
  });
  if (last_completed_ && *last_completed_ >= t) return;
  if (!ok)
    throw std::runtime_error("await_batch_completed: batch " + std::to_string(t.count()) +
                             " ms did not complete within " + std::to_string(limit.count()) +
                             " ms");
  throw std::runtime_error("await_batch_completed: the StreamingContext stopped before batch " +
                           std::to_string(t.count()) + " ms completed");
}

std::optional<Time> JobScheduler::last_completed_batch() const {
  std::lock_guard lock(mutex_);
  return last_completed_;
}

}  // namespace rill::detail
