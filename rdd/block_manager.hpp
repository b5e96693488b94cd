// BlockManager: the in-memory store of cached partitions (Spark's BlockManager, memory
// only). Blocks are immutable once stored; readers share them by shared_ptr.
#pragma once
#include <cstddef>
#include <memory>
#include <mutex>
#include <unordered_map>

namespace rill::detail {

class BlockManager {
 public:
  std::shared_ptr<const void> get(std::size_t rdd_id, std::size_t partition) const;
  void put(std::size_t rdd_id, std::size_t partition, std::shared_ptr<const void> block);
  bool remove(std::size_t rdd_id, std::size_t partition);
  void remove_rdd(std::size_t rdd_id);
  std::size_t count(std::size_t rdd_id) const;
  std::size_t size() const;

 private:
  mutable std::mutex mutex_;
  // rdd id -> partition -> block; guarded by mutex_
  std::unordered_map<std::size_t, std::unordered_map<std::size_t, std::shared_ptr<const void>>>
      blocks_;
};

}  // namespace rill::detail
