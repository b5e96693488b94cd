#include <rill/dstream/dstream_graph.hpp>
#include <stdexcept>
#include <unordered_set>

namespace rill::detail {

DStreamGraph::DStreamGraph(Context ctx, Duration batch_interval)
    : ctx_(std::move(ctx)), batch_interval_(batch_interval) {
  if (batch_interval.count() < 0)
    throw std::invalid_argument("StreamingContext: batch interval must be >= 0 ms, got " +
                                std::to_string(batch_interval.count()) + " ms");
}

int DStreamGraph::register_stream() {
  std::lock_guard lock(mutex_);
  return next_id_++;
}

void DStreamGraph::check_not_started(const std::string& what) const {
  std::lock_guard lock(mutex_);
  if (started_)
    throw std::logic_error(
        what + ": cannot add streams or output operations after the StreamingContext started");
}

bool DStreamGraph::started() const {
  std::lock_guard lock(mutex_);
  return started_;
}

void DStreamGraph::add_input(std::shared_ptr<DStreamBase> input, ReceiverSupervisorBase* receiver) {
  check_not_started(input->name());
  std::lock_guard lock(mutex_);
  inputs_.push_back(std::move(input));
  if (receiver) receivers_.push_back(receiver);
}

void DStreamGraph::add_output(std::shared_ptr<OutputStream> output) {
  check_not_started(output->name());
  std::lock_guard lock(mutex_);
  outputs_.push_back(std::move(output));
}

void DStreamGraph::set_checkpoint_dir(std::filesystem::path dir) {
  std::lock_guard lock(mutex_);
  checkpoint_dir_ = std::move(dir);
}

std::optional<std::filesystem::path> DStreamGraph::checkpoint_dir() const {
  std::lock_guard lock(mutex_);
  return checkpoint_dir_;
}

void DStreamGraph::remember(Duration d) {
  std::lock_guard lock(mutex_);
  remember_ = d;
}

void DStreamGraph::start(Time zero) {
  std::lock_guard lock(mutex_);
  if (started_) throw std::logic_error("StreamingContext already started");
  if (outputs_.empty())
    throw std::invalid_argument(
        "StreamingContext: no output operations registered, so nothing to execute "
        "(add foreach_rdd, print or save_as_text_files before start())");
  // Every stream the outputs depend on, parents before children is not needed: each
  // step below is per stream.
  std::unordered_set<DStreamBase*> seen;
  std::vector<std::shared_ptr<DStreamBase>> todo(outputs_.begin(), outputs_.end());
  active_.clear();
  while (!todo.empty()) {
    auto s = std::move(todo.back());
    todo.pop_back();
    if (!seen.insert(s.get()).second) continue;
    for (auto& p : s->parents()) todo.push_back(p);
    active_.push_back(std::move(s));
  }
  for (auto& s : active_)
    if (auto op = s->requires_checkpoint(); op && !checkpoint_dir_)
      throw std::invalid_argument(
          s->name() + ": " + *op +
          " needs a checkpoint directory; call ssc.checkpoint(dir) before start()");
  for (auto& o : outputs_) o->initialize(zero);
  for (auto& o : outputs_) o->remember(remember_);
  started_ = true;
}

std::vector<ReceiverSupervisorBase*> DStreamGraph::receivers() const {
  std::lock_guard lock(mutex_);
  return receivers_;
}

void DStreamGraph::allocate_batch(Time t) {
  std::vector<std::shared_ptr<DStreamBase>> inputs;
  {
    std::lock_guard lock(mutex_);
    inputs = inputs_;
  }
  for (auto& in : inputs) in->allocate_batch(t);
}

std::vector<OutputJob> DStreamGraph::generate_jobs(Time t) {
  std::vector<std::shared_ptr<OutputStream>> outputs;
  {
    std::lock_guard lock(mutex_);
    outputs = outputs_;
  }
  std::vector<OutputJob> jobs;
  for (std::size_t i = 0; i < outputs.size(); ++i)
    if (auto job = outputs[i]->generate_job(t)) jobs.push_back({i, std::move(*job)});
  return jobs;
}

void DStreamGraph::clear_metadata(Time t) {
  std::vector<std::shared_ptr<DStreamBase>> active;
  {
    std::lock_guard lock(mutex_);
    active = active_;
    input_records_.erase(input_records_.begin(), input_records_.upper_bound(t));
  }
  for (auto& s : active) s->clear_metadata(t);
}

void DStreamGraph::report_input(Time t, std::int64_t records) {
  std::lock_guard lock(mutex_);
  input_records_[t] += records;
}

std::int64_t DStreamGraph::take_input_records(Time t) {
  std::lock_guard lock(mutex_);
  auto it = input_records_.find(t);
  if (it == input_records_.end()) return 0;
  auto n = it->second;
  input_records_.erase(it);
  return n;
}

std::size_t DStreamGraph::retained_rdds() const {
  std::vector<std::shared_ptr<DStreamBase>> active;
  {
    std::lock_guard lock(mutex_);
    active = active_;
  }
  std::size_t n = 0;
  for (auto& s : active) n += s->retained_rdds();
  return n;
}

std::size_t DStreamGraph::num_outputs() const {
  std::lock_guard lock(mutex_);
  return outputs_.size();
}

void DStreamGraph::release() {
  std::vector<std::shared_ptr<DStreamBase>> inputs, active;
  std::vector<std::shared_ptr<OutputStream>> outputs;
  {
    std::lock_guard lock(mutex_);
    inputs.swap(inputs_);
    active.swap(active_);
    outputs.swap(outputs_);
    receivers_.clear();
  }
  // The streams are destroyed here, outside the lock (they may reference this graph).
}

}  // namespace rill::detail
