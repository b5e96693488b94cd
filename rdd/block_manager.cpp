#include <rill/rdd/block_manager.hpp>

namespace rill::detail {

std::shared_ptr<const void> BlockManager::get(std::size_t rdd_id, std::size_t partition) const {
  std::lock_guard lock(mutex_);
  auto it = blocks_.find(rdd_id);
  if (it == blocks_.end()) return nullptr;
  auto b = it->second.find(partition);
  return b == it->second.end() ? nullptr : b->second;
}

void BlockManager::put(std::size_t rdd_id, std::size_t partition,
                       std::shared_ptr<const void> block) {
  std::lock_guard lock(mutex_);
  blocks_[rdd_id][partition] = std::move(block);
}

bool BlockManager::remove(std::size_t rdd_id, std::size_t partition) {
  std::shared_ptr<const void> doomed;  // freed outside the lock
  std::lock_guard lock(mutex_);
  auto it = blocks_.find(rdd_id);
  if (it == blocks_.end()) return false;
  auto b = it->second.find(partition);
  if (b == it->second.end()) return false;
  doomed = std::move(b->second);
  it->second.erase(b);
  return true;
}

void BlockManager::remove_rdd(std::size_t rdd_id) {
  std::unordered_map<std::size_t, std::shared_ptr<const void>> doomed;
  std::lock_guard lock(mutex_);
  auto it = blocks_.find(rdd_id);
  if (it == blocks_.end()) return;
  doomed = std::move(it->second);
  blocks_.erase(it);
}

std::size_t BlockManager::count(std::size_t rdd_id) const {
  std::lock_guard lock(mutex_);
  auto it = blocks_.find(rdd_id);
  return it == blocks_.end() ? 0 : it->second.size();
}

std::size_t BlockManager::size() const {
  std::lock_guard lock(mutex_);
  std::size_t n = 0;
  for (const auto& [_, m] : blocks_) n += m.size();
  return n;
}

}  // namespace rill::detail
