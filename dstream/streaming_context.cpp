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

void StreamingContext::start() {
  scheduler_->start();
  write_metadata();
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

namespace {
constexpr const char* kMetadataFile = "metadata";
}

// The metadata checkpoint: the batch interval and the last completed batch, written
// atomically (temp file + rename) so a crash never leaves half a file.
void StreamingContext::write_metadata() {
  auto dir = graph_->checkpoint_dir();
  if (!dir) return;
  auto last = scheduler_->last_completed_batch();
  const auto file = *dir / kMetadataFile;
  auto tmp = file;
  tmp += ".tmp";
  {
    std::ofstream os(tmp, std::ios::trunc);
    if (!os) return;
    os << "rill-streaming-metadata 1\n"
       << "batch_interval_ms " << graph_->batch_interval().count() << "\n"
       << "last_completed_batch_ms " << (last ? last->count() : -1) << "\n";
  }
  std::error_code ec;
  std::filesystem::rename(tmp, file, ec);
}

StreamingContext StreamingContext::get_or_create(const std::string& dir,
                                                 const std::function<StreamingContext()>& factory) {
  auto ssc = factory();
  if (!ssc.graph_->checkpoint_dir()) ssc.checkpoint(dir);
  return ssc;
}

}  // namespace rill
