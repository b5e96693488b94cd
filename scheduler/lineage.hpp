// The lineage graph as the scheduler sees it: nodes with partitions and dependencies,
// nothing about element types or operators. Narrow dependencies stay inside a stage;
// a shuffle dependency is a stage boundary whose map side the scheduler runs first.
#pragma once
#include <cstddef>
#include <memory>
#include <rill/scheduler/task_context.hpp>
#include <string>
#include <vector>

namespace rill::detail {

class LineageNode;

// The map side of a shuffle: runs one map task, and remembers which map outputs exist
// so that a later job reuses them (Spark keeps shuffle files the same way).
class ShuffleDependency {
 public:
  explicit ShuffleDependency(std::size_t shuffle_id) : shuffle_id_(shuffle_id) {}
  virtual ~ShuffleDependency() = default;
  std::size_t shuffle_id() const { return shuffle_id_; }
  virtual const std::shared_ptr<LineageNode>& parent() const = 0;
  virtual std::size_t num_map_partitions() const = 0;
  virtual std::size_t num_reduce_partitions() const = 0;
  virtual bool has_map_output(std::size_t map_partition) const = 0;
  virtual void run_map_task(std::size_t map_partition, TaskContext& tc) = 0;

 private:
  std::size_t shuffle_id_;
};

struct Dependency {
  enum class Kind { one_to_one, range, shuffle };
  Kind kind = Kind::one_to_one;
  std::shared_ptr<LineageNode> parent;         // for narrow dependencies
  std::shared_ptr<ShuffleDependency> shuffle;  // for shuffle dependencies
};

class LineageNode {
 public:
  virtual ~LineageNode() = default;
  virtual std::size_t id() const = 0;
  virtual std::size_t num_partitions() const = 0;
  // A copy: another job may truncate the lineage (checkpoint) while this one walks it.
  virtual std::vector<Dependency> dependencies() const = 0;
  // True when every partition can be served without the parents (cached or checkpointed),
  // so the scheduler need not look further up.
  virtual bool materialized() const = 0;
  virtual std::string describe() const = 0;
};

}  // namespace rill::detail
