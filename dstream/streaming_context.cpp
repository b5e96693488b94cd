#include <filesystem>
#include <fstream>
#include <rill/dstream/streaming_context.hpp>
#include <stdexcept>

namespace rill {

StreamingContext::StreamingContext(Context ctx, Duration batch_interval)
    : StreamingContext(std::move(ctx), batch_interval, std::make_shared<SystemClock>()) {}

StreamingContext::StreamingContext(Context ctx, Duration batch_interval,
                                   std::shared_ptr<Clock> clock)
    : graph_(std::make_shared<detail::DStreamGraph>(std::move(ctx), batch_interval)),
      clock_(std::move(clock)) {
  if (!clock_) throw std::invalid_argument("StreamingContext: clock must not be null");
  scheduler_ = std::make_unique<detail::JobScheduler>(graph_, clock_);
}

StreamingContext::~StreamingContext() {
  if (!scheduler_) return;  // moved from
  scheduler_->stop(false);
  scheduler_.reset();
  graph_->release();
}

StreamingContext::StreamingContext(StreamingContext&&) noexcept = default;

StreamingContext& StreamingContext::operator=(StreamingContext&& other) noexcept {
  if (this != &other) {
    if (scheduler_) {
      scheduler_->stop(false);
      scheduler_.reset();
      graph_->release();
    }
    graph_ = std::move(other.graph_);
    clock_ = std::move(other.clock_);
    scheduler_ = std::move(other.scheduler_);
  }
  return *this;
}

void StreamingContext::checkpoint(const std::string& dir) {
  if (dir.empty())
    throw std::invalid_argument("StreamingContext::checkpoint: directory must not be empty");
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    throw std::runtime_error("StreamingContext::checkpoint: cannot create '" + dir +
                             "': " + ec.message());
  graph_->set_checkpoint_dir(dir);
}

void StreamingContext::remember(Duration d) {
  if (d.count() < 0)
    throw std::invalid_argument("StreamingContext::remember: duration must be >= 0");
  graph_->remember(d);
}

void StreamingContext::add_listener(StreamingListener& listener) {
  scheduler_->add_listener(listener);
}

void StreamingContext::remove_listener(StreamingListener& listener) {
  scheduler_->remove_listener(listener);
}

void StreamingContext::start() {
  scheduler_->start();  // writes the metadata before the first batch
}

void StreamingContext::stop(bool /*stop_context*/, bool graceful) {
  scheduler_->stop(graceful);
  write_metadata();
}

void StreamingContext::await_termination() {
  scheduler_->await_termination();
}

bool StreamingContext::await_termination_or_timeout(Duration timeout) {
  return scheduler_->await_termination_or_timeout(timeout);
}

void StreamingContext::await_batch_completed(Time t, Duration limit) {
  scheduler_->await_batch_completed(t, limit);
}

std::optional<Time> StreamingContext::last_completed_batch() const {
  return scheduler_->last_completed_batch();
}

std::size_t StreamingContext::retained_rdds() const {
  return graph_->retained_rdds();
}

// Also written at start and, in recovery mode, after every batch (the graph's last job of
// a batch); at stop it records where the context is, for get_or_create.
void StreamingContext::write_metadata() noexcept {
  try {
    graph_->write_metadata(scheduler_->last_completed_batch());
  } catch (...) {
    // stop() must not fail; a missing metadata file makes the next get_or_create start
    // afresh or recover from the previous batch's file.
  }
}

StreamingContext StreamingContext::get_or_create(const std::string& dir,
                                                 const std::function<StreamingContext()>& factory) {
  if (dir.empty())
    throw std::invalid_argument("StreamingContext::get_or_create: directory must not be empty");
  // Read first: a corrupt checkpoint is reported before anything is built.
  auto previous = detail::CheckpointMetadata::read(dir);
  const auto file = detail::CheckpointMetadata::file(dir).string();
  if (previous && !previous->recoverable)
    throw std::runtime_error(
        "StreamingContext::get_or_create: " + file +
        " was written by a StreamingContext not made by get_or_create, which does not "
        "checkpoint what recovery needs; use another directory or remove this one");
  auto ssc = factory();
  if (ssc.graph_->started())
    throw std::logic_error("StreamingContext::get_or_create: factory() must not start the context");
  if (ssc.batch_interval().count() <= 0)
    throw std::invalid_argument(
        "StreamingContext::get_or_create: recovery needs a batch interval > 0 ms");
  // The checkpoint of this run must be where the next get_or_create looks for it.
  ssc.checkpoint(dir);
  ssc.graph_->set_recovery_mode(true);
  if (previous) {
    if (previous->batch_interval != ssc.batch_interval())
      throw std::invalid_argument("StreamingContext::get_or_create: " + file +
                                  " was written with a batch interval of " +
                                  std::to_string(previous->batch_interval.count()) +
                                  " ms, but factory() made a context with " +
                                  std::to_string(ssc.batch_interval().count()) + " ms");
    ssc.scheduler_->resume(previous->zero, previous->last_completed);
    ssc.graph_->restore_from(*previous);
  }
  return ssc;
}

}  // namespace rill
