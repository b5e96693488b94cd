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

namespace rill {

// A user-defined partitioner for keys of type K. Called through a virtual per key, so the
// built-in HashPartitioner and RangePartitioner do not derive from it.
template <class K>
class KeyPartitioner : public Partitioner {
 public:
  virtual std::size_t partition(const K& key) const = 0;
};

}  // namespace rill
