// Partitioner: how a pair RDD's keys map to partitions (Spark's Partitioner). Equal
// partitioners mean co-partitioned data, which joins and reductions use to skip a shuffle.
// The per-key call is a non-virtual member of each concrete type, inlined in shuffles.
#pragma once
#include <cstddef>
#include <memory>
#include <string>

namespace rill {

class Partitioner {
 public:
  virtual ~Partitioner() = default;
  virtual std::size_t num_partitions() const = 0;
  virtual bool equals(const Partitioner& other) const = 0;
  virtual std::string describe() const = 0;
};

namespace detail {
inline bool same_partitioner(const std::shared_ptr<const Partitioner>& a,
                             const std::shared_ptr<const Partitioner>& b) {
  return a && b && (a == b || a->equals(*b));
}
}  // namespace detail

}  // namespace rill
