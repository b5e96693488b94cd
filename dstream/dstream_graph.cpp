#include <atomic>
#include <rill/dstream/dstream_graph.hpp>
#include <stdexcept>
#include <unordered_set>

namespace rill::detail {

DStreamGraph::DStreamGraph(Context ctx, Duration batch_interval)
    : ctx_(std::move(ctx)), batch_interval_(batch_interval), uid_([] {
        static std::atomic<std::uint64_t> next{0};
        return next++;
      }()) {
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

std::vector<std::shared_ptr<DStreamBase>> DStreamGraph::streams_of_outputs() const {
  // Every stream the outputs depend on; parents before children is not needed: each step
  // of start() and of a restore is per stream.
  std::unordered_set<DStreamBase*> seen;
  std::vector<std::shared_ptr<DStreamBase>> todo(outputs_.begin(), outputs_.end());
  std::vector<std::shared_ptr<DStreamBase>> out;
  while (!todo.empty()) {
    auto s = std::move(todo.back());
    todo.pop_back();
    if (!seen.insert(s.get()).second) continue;
    for (auto& p : s->parents()) todo.push_back(p);
    out.push_back(std::move(s));
  }
  return out;
}

void DStreamGraph::start(Time zero) {
  std::lock_guard lock(mutex_);
  if (started_) throw std::logic_error("StreamingContext already started");
  if (outputs_.empty())
    throw std::invalid_argument(
        "StreamingContext: no output operations registered, so nothing to execute "
        "(add foreach_rdd, print or save_as_text_files before start())");
  active_ = streams_of_outputs();
  for (auto& s : active_)
    if (auto op = s->requires_checkpoint(); op && !checkpoint_dir_)
      throw std::invalid_argument(
          s->name() + ": " + *op +
          " needs a checkpoint directory; call ssc.checkpoint(dir) before start()");
  for (auto& o : outputs_) o->initialize(zero);
  for (auto& o : outputs_) o->remember(remember_);
  if (!restarted_) prepare_inputs({checkpoint_dir_, recovery_mode_, false, std::nullopt});
  zero_ = zero;
  started_ = true;
}

void DStreamGraph::apply_restore(const CheckpointMetadata& m) {
  const auto file = CheckpointMetadata::file(*checkpoint_dir_).string();
  const auto active = streams_of_outputs();
  std::map<int, std::shared_ptr<DStreamBase>> by_id;
  for (auto& s : active) by_id[s->id()] = s;
  // Closures are not in the checkpoint, so the factory must have rebuilt the same graph;
  // the recoverable streams, by definition order and operation, are what is checked.
  std::map<int, std::string> was, now;
  for (auto& s : m.streams) was[s.id] = s.op;
  for (auto& s : active)
    if (s->recoverable()) now[s->id()] = s->op();
  if (was != now) {
    auto list = [](const std::map<int, std::string>& streams) {
      std::string out;
      for (auto& [id, op] : streams)
        out += (out.empty() ? "" : ", ") + op + " [" + std::to_string(id) + "]";
      return out.empty() ? std::string("none") : out;
    };
    throw std::invalid_argument("StreamingContext::get_or_create: " + file +
                                " was written by a different stream graph: its stateful "
                                "streams were {" +
                                list(was) + "}, the factory built {" + list(now) + "}");
  }
  if (m.last_completed)
    for (auto& s : active) s->begin_recovery(*m.last_completed);
  for (auto& r : m.rdds) {
    auto it = by_id.find(r.stream_id);
    if (it == by_id.end() || !it->second->recoverable())
      throw std::invalid_argument("StreamingContext::get_or_create: " + file +
                                  " lists a checkpoint of stream " + std::to_string(r.stream_id) +
                                  ", which is not stateful");
    // The metadata checks the batch interval's grid; a stream sliding by more (a window)
    // only has RDDs on its own slide, so a zero time that was changed shows here.
    const auto slide = it->second->slide_duration();
    if (slide.count() > 0 && (r.time - m.zero) % slide != Duration{0})
      throw std::runtime_error("checkpoint metadata " + file + " is corrupt: it lists a " +
                               it->second->name() + " checkpoint at batch time " +
                               std::to_string(r.time.count()) + " ms, which is not on its " +
                               std::to_string(slide.count()) + " ms slide from the zero time " +
                               std::to_string(m.zero.count()) + " ms");
    it->second->restore(r.time, *checkpoint_dir_ / r.dir, r.partitions);
  }
}

void DStreamGraph::prepare_inputs(const DStreamBase::InputStart& start) {
  for (auto& in : inputs_) in->prepare_start(start);
}

void DStreamGraph::set_recovery_mode(bool on) {
  std::lock_guard lock(mutex_);
  recovery_mode_ = on;
}

bool DStreamGraph::recovery_mode() const {
  std::lock_guard lock(mutex_);
  return recovery_mode_;
}

void DStreamGraph::restore_from(const CheckpointMetadata& previous) {
  std::lock_guard lock(mutex_);
  if (started_) throw std::logic_error("StreamingContext: cannot restore after start()");
  if (!checkpoint_dir_)
    throw std::logic_error("StreamingContext: restore without a checkpoint dir");
  apply_restore(previous);
  restarted_ = previous.last_completed;
  // The inputs' logs are read here too, so that a damaged one is reported by get_or_create.
  prepare_inputs({checkpoint_dir_, recovery_mode_, true, previous.last_completed});
}

void DStreamGraph::write_metadata(std::optional<Time> last_completed) {
  std::lock_guard writer(metadata_mutex_);
  CheckpointMetadata m;
  std::optional<std::filesystem::path> dir;
  std::vector<std::shared_ptr<DStreamBase>> active;
  {
    std::lock_guard lock(mutex_);
    dir = checkpoint_dir_;
    m.batch_interval = batch_interval_;
    m.zero = zero_;
    m.recoverable = recovery_mode_;
    if (recovery_mode_) active = active_;
  }
  if (!dir) return;
  m.last_completed = last_completed;
  std::vector<std::filesystem::path> doomed;
  for (auto& s : active) {
    if (!s->recoverable()) continue;
    m.streams.push_back({s->id(), s->op()});
    // Taken before the listing: what is dropped meanwhile waits for the next write.
    auto dropped = s->take_dropped_checkpoints();
    doomed.insert(doomed.end(), dropped.begin(), dropped.end());
    if (!last_completed) continue;
    for (auto& c : s->checkpointed_rdds(*last_completed))
      m.rdds.push_back(
          {s->id(), c.time, c.partitions, std::filesystem::relative(c.dir, *dir).generic_string()});
  }
  m.write(*dir);
  for (auto& d : doomed) {
    std::error_code ec;
    std::filesystem::remove_all(d, ec);
  }
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
  if (recovery_mode() && !outputs.empty()) {
    // Spark's DoCheckpoint after the batch's jobs: the last job of batch t checkpoints
    // what a restart needs and records t as completed (every output of t ran before it,
    // and batches complete in time order).
    std::vector<std::shared_ptr<DStreamBase>> active;
    {
      std::lock_guard lock(mutex_);
      active = active_;
    }
    std::vector<std::function<void()>> checkpoints;
    for (auto& s : active)
      if (s->recoverable())
        if (auto job = s->recovery_checkpoint_job(t)) checkpoints.push_back(std::move(job));
    jobs.push_back({outputs.size() - 1, [this, t, checkpoints = std::move(checkpoints)] {
                      for (auto& c : checkpoints) c();
                      write_metadata(t);
                    }});
  }
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

void DStreamGraph::complete_checkpoints() {
  std::vector<std::shared_ptr<DStreamBase>> active;
  {
    std::lock_guard lock(mutex_);
    active = active_;
  }
  for (auto& s : active) s->complete_checkpoints();
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

DStreamBase::WatermarkReport DStreamGraph::watermark_report(Time t) {
  std::vector<std::shared_ptr<DStreamBase>> active;
  {
    std::lock_guard lock(mutex_);
    active = active_;
  }
  DStreamBase::WatermarkReport total;
  bool any = false, all_have_one = true;
  for (auto& s : active) {
    auto r = s->watermark_report(t);
    if (!r) continue;
    any = true;
    total.late_records += r->late_records;
    if (!r->watermark)
      all_have_one = false;
    else if (!total.watermark || *r->watermark < *total.watermark)
      total.watermark = r->watermark;
  }
  if (!any || !all_have_one) total.watermark.reset();
  return total;
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
