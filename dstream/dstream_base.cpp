#include <rill/dstream/dstream_base.hpp>
#include <rill/dstream/dstream_graph.hpp>
#include <stdexcept>

namespace rill::detail {
namespace {

// Checked before the stream registers itself, so a refused stream leaves no trace.
std::vector<std::shared_ptr<DStreamBase>> same_graph(
    const DStreamGraph& graph, std::vector<std::shared_ptr<DStreamBase>> parents,
    const std::string& op) {
  for (auto& p : parents)
    if (&p->graph() != &graph)
      throw std::invalid_argument(op + ": the streams belong to different StreamingContexts");
  return parents;
}

}  // namespace

DStreamBase::DStreamBase(std::shared_ptr<DStreamGraph> graph,
                         std::vector<std::shared_ptr<DStreamBase>> parents, std::string op)
    : graph_(std::move(graph)),
      parents_(same_graph(*graph_, std::move(parents), op)),
      op_(std::move(op)),
      id_(graph_->register_stream()) {
  for (auto& p : parents_) p->add_consumer();
}

Duration DStreamBase::slide_duration() const {
  return parents_.empty() ? graph_->batch_interval() : parents_.front()->slide_duration();
}

bool DStreamBase::is_time_valid(Time t) const {
  if (t <= zero_time_) return false;
  const auto slide = slide_duration();
  return slide.count() == 0 || (t - zero_time_) % slide == Duration{0};
}

void DStreamBase::initialize(Time zero) {
  if (initialized_) return;
  initialized_ = true;
  zero_time_ = zero;
  if (remember_ < slide_duration()) remember_ = slide_duration();
  for (auto& p : parents_) p->initialize(zero);
}

void DStreamBase::require_initialized(const std::string& what) const {
  // Spark's "has not been initialized": without a zero time there are no batch times,
  // and computing one anyway would consume input that the first batch should get.
  // started() first: it orders this read of initialized_ after start() wrote it.
  if (!graph_->started())
    throw std::logic_error(name() + ": " + what +
                           " before StreamingContext::start(): the stream has not been "
                           "initialized");
  if (!initialized_)
    throw std::logic_error(name() + ": " + what +
                           ": the stream has not been initialized (no output operation "
                           "depends on it)");
}

void DStreamBase::remember(std::optional<Duration> d) {
  if (d && *d > remember_) remember_ = *d;
  for (auto& p : parents_) p->remember(parent_remember_duration());
}

std::optional<std::filesystem::path> DStreamBase::checkpoint_path() const {
  auto dir = graph_->checkpoint_dir();
  if (!dir && checkpoint_without_dir_)
    dir = graph_->context().state()->checkpoint_root() /
          ("streaming-" + std::to_string(graph_->uid()));
  if (!dir) return std::nullopt;
  return *dir / ("stream-" + std::to_string(id_));
}

void DStreamBase::restore(Time, const std::filesystem::path&, std::size_t) {
  throw std::invalid_argument(name() +
                              ": cannot restore a checkpoint: its element type has no "
                              "rill::Serializer");
}

void DStreamBase::add_consumer() {
  if (++consumers_ > 1) persist_ = true;
}

}  // namespace rill::detail
