#include <unistd.h>

#include <rill/rdd/context_state.hpp>
#include <rill/rdd/rdd_base.hpp>
#include <thread>
#include <unordered_set>

namespace rill::detail {
namespace {

int resolve_parallelism(int p) {
  if (p < 0)
    throw std::invalid_argument("Config::parallelism must be >= 0 (0 = all cores), got " +
                                std::to_string(p));
  if (p > 0) return p;
  return std::max(1u, std::thread::hardware_concurrency());
}

const Config& validated(const Config& c) {
  auto bad = [](const std::string& what) { throw std::invalid_argument("Config::" + what); };
  if (c.default_partitions < 0)
    bad("default_partitions must be >= 0, got " + std::to_string(c.default_partitions));
  if (c.max_task_attempts < 1)
    bad("max_task_attempts must be >= 1, got " + std::to_string(c.max_task_attempts));
  if (c.block_interval.count() <= 0)
    bad("block_interval must be > 0, got " + std::to_string(c.block_interval.count()) + "ms");
  if (c.receiver_max_rate < 0)
    bad("receiver_max_rate must be >= 0, got " + std::to_string(c.receiver_max_rate));
  if (c.concurrent_jobs < 1)
    bad("concurrent_jobs must be >= 1, got " + std::to_string(c.concurrent_jobs));
  return c;
}

}  // namespace

ContextState::ContextState(Config config)
    : config_(validated(config)),
      scheduler_(resolve_parallelism(config_.parallelism), config_.max_task_attempts) {
  config_.parallelism = scheduler_.parallelism();
}

ContextState::~ContextState() {
  checkpoint_writer_.reset();  // no file is written into the directory after it is removed
  if (owns_checkpoint_root_) {
    std::error_code ec;
    std::filesystem::remove_all(checkpoint_root_, ec);
  }
}

std::size_t ContextState::source_partitions() const {
  return config_.default_partitions > 0 ? std::size_t(config_.default_partitions)
                                        : std::size_t(config_.parallelism);
}

std::filesystem::path ContextState::checkpoint_root() {
  std::lock_guard lock(checkpoint_mutex_);
  if (!checkpoint_root_.empty()) return checkpoint_root_;
  std::filesystem::path root;
  if (config_.checkpoint_dir.empty()) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "rill-ckpt-XXXXXX").string();
    if (!::mkdtemp(tmpl.data()))
      throw std::runtime_error("cannot create a checkpoint directory from template " + tmpl);
    root = tmpl;
    owns_checkpoint_root_ = true;
  } else {
    root = config_.checkpoint_dir;
    std::error_code ec;
    std::filesystem::create_directories(root, ec);
    if (ec)
      throw std::runtime_error("cannot create checkpoint directory '" + root.string() +
                               "': " + ec.message());
  }
  checkpoint_root_ = root;
  return root;
}

JobMetrics ContextState::run_job(const std::shared_ptr<RddBase>& node,
                                 const std::vector<std::size_t>& partitions,
                                 const DagScheduler::ResultTask& task, const std::string& name) {
  auto metrics = scheduler_.run_job(node, partitions, task, name);
  finish_checkpoints(node);
  return metrics;
}

void ContextState::finish_checkpoints(const std::shared_ptr<RddBase>& start) {
  if (auto error = checkpoint_writer_->take_error()) {
    // The checkpoint stays incomplete (its lineage is kept), but a full disk must not
    // go unnoticed: the next job reports it.
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      throw std::runtime_error(std::string("asynchronous checkpoint write failed: ") + e.what());
    }
  }
  if (marked_checkpoints_.load() == 0) return;
  std::vector<std::shared_ptr<RddBase>> pending;
  std::unordered_set<const LineageNode*> seen;
  std::vector<std::shared_ptr<LineageNode>> todo{start};
  while (!todo.empty()) {
    auto node = std::move(todo.back());
    todo.pop_back();
    if (!seen.insert(node.get()).second) continue;
    auto rdd = std::dynamic_pointer_cast<RddBase>(node);
    if (rdd && rdd->checkpoint_pending()) pending.push_back(rdd);
    for (auto& dep : node->dependencies())
      todo.push_back(dep.shuffle ? dep.shuffle->parent() : dep.parent);
  }
  // Children before parents would checkpoint a child from a truncated parent; any order
  // works because each node checkpoints its own computed data.
  for (auto& rdd : pending) {
    auto missing = rdd->missing_checkpoint_partitions();
    if (!missing.empty()) {
      scheduler_.run_job(
          rdd, missing, [&](std::size_t p, TaskContext& tc) { rdd->compute_discarding(p, tc); },
          "checkpoint " + rdd->describe());
    }
    rdd->complete_checkpoint();
  }
}

}  // namespace rill::detail
