#include <cstdio>
#include <rill/rdd/rdd_base.hpp>
#include <stdexcept>

namespace rill::detail {

RddBase::RddBase(std::shared_ptr<ContextState> ctx, std::size_t num_partitions,
                 std::vector<Dependency> deps, std::string kind, std::string op)
    : ctx_(std::move(ctx)),
      id_(ctx_->new_rdd_id()),
      num_partitions_(num_partitions),
      kind_(std::move(kind)),
      op_(std::move(op)),
      deps_(std::move(deps)) {}

RddBase::~RddBase() {
  if (persisted_) ctx_->blocks().remove_rdd(id_);
  if (checkpoint_state_.load() == kMarked) ctx_->checkpoint_unmarked();
}

std::vector<Dependency> RddBase::dependencies() const {
  std::lock_guard lock(mutex_);
  return deps_;
}

bool RddBase::materialized() const {
  if (is_checkpointed()) return true;
  return persisted_ && num_partitions_ > 0 && ctx_->blocks().count(id_) == num_partitions_;
}

std::string RddBase::describe() const {
  std::string s = kind_ + "[" + std::to_string(id_) + "] at " + op_;
  if (persisted_)
    s += " [Memory cached " + std::to_string(ctx_->blocks().count(id_)) + "/" +
         std::to_string(num_partitions_) + "]";
  if (is_checkpointed()) s += " [checkpointed]";
  return s;
}

void RddBase::unpersist() {
  persisted_ = false;
  ctx_->blocks().remove_rdd(id_);
}

std::filesystem::path RddBase::checkpoint_file(std::size_t partition) const {
  char name[32];
  std::snprintf(name, sizeof name, "part-%05zu", partition);
  std::lock_guard lock(mutex_);
  return checkpoint_dir_ / name;
}

void RddBase::mark_checkpoint(std::filesystem::path dir, bool async) {
  std::lock_guard lock(mutex_);
  if (checkpoint_state_ != kNone) return;
  checkpoint_dir_ = std::move(dir);
  checkpoint_parts_.assign(num_partitions_, PartFile::missing);
  checkpoint_async_ = async;
  checkpoint_state_ = kMarked;
  ctx_->checkpoint_marked();
}

bool RddBase::checkpoint_async() const {
  std::lock_guard lock(mutex_);
  return checkpoint_async_;
}

bool RddBase::claim_checkpoint_write(std::size_t partition) {
  std::lock_guard lock(mutex_);
  auto& part = checkpoint_parts_.at(partition);
  if (part != PartFile::missing) return false;
  part = PartFile::writing;
  return true;
}

void RddBase::checkpoint_written(std::size_t partition) {
  std::lock_guard lock(mutex_);
  checkpoint_parts_.at(partition) = PartFile::written;
}

void RddBase::checkpoint_write_failed(std::size_t partition) {
  std::lock_guard lock(mutex_);
  checkpoint_parts_.at(partition) = PartFile::missing;
}

std::vector<std::size_t> RddBase::missing_checkpoint_partitions() const {
  std::lock_guard lock(mutex_);
  std::vector<std::size_t> missing;
  for (std::size_t p = 0; p < checkpoint_parts_.size(); ++p)
    if (checkpoint_parts_[p] == PartFile::missing) missing.push_back(p);
  return missing;
}

void RddBase::complete_checkpoint() {
  std::vector<Dependency> doomed;  // parents released outside the lock
  std::lock_guard lock(mutex_);
  if (checkpoint_state_ != kMarked) return;
  for (auto part : checkpoint_parts_)
    if (part != PartFile::written) return;
  doomed.swap(deps_);
  checkpoint_state_ = kDone;
  ctx_->checkpoint_unmarked();
}

void RddBase::release_dependencies() {
  std::vector<Dependency> doomed;  // parents released outside the lock
  std::lock_guard lock(mutex_);
  doomed.swap(deps_);
}

namespace {
[[noreturn]] void missing_dependency(std::size_t id, std::size_t i) {
  throw std::logic_error("RDD[" + std::to_string(id) + "] has no dependency " + std::to_string(i) +
                         " (lineage truncated by a checkpoint)");
}
}  // namespace

std::shared_ptr<LineageNode> RddBase::parent_node(std::size_t i) const {
  std::lock_guard lock(mutex_);
  if (i >= deps_.size()) missing_dependency(id_, i);
  return deps_[i].parent;
}

std::shared_ptr<ShuffleDependency> RddBase::shuffle_dependency(std::size_t i) const {
  std::lock_guard lock(mutex_);
  if (i >= deps_.size()) missing_dependency(id_, i);
  return deps_[i].shuffle;
}

}  // namespace rill::detail
