// HashPartitioner(n): key -> Hash(key) mod n (Spark's HashPartitioner).
#pragma once
#include <cstdint>
#include <rill/rdd/hash.hpp>
#include <rill/rdd/partitioner.hpp>
#include <stdexcept>
#include <string>

namespace rill {

class HashPartitioner final : public Partitioner {
 public:
  // Takes size_t, so HashPartitioner(-1) arrives as 2^64-1: report it as the -1 it was.
  explicit HashPartitioner(std::size_t n) : n_(n) {
    if (n == 0 || static_cast<std::int64_t>(n) < 0)
      throw std::invalid_argument("HashPartitioner: number of partitions must be > 0, got " +
                                  std::to_string(static_cast<std::int64_t>(n)));
  }
  std::size_t num_partitions() const override { return n_; }
  bool equals(const Partitioner& other) const override {
    auto* h = dynamic_cast<const HashPartitioner*>(&other);
    return h && h->n_ == n_;
  }
  std::string describe() const override { return "HashPartitioner(" + std::to_string(n_) + ")"; }
  template <class K>
  std::size_t partition(const K& key) const {
    return partition_of_hash(detail::mix_hash(Hash<K>{}(key)));
  }
  // The partition of a key whose mixed hash, mix_hash(Hash<K>(key)), is already known
  // (a shuffle's map side computes it once for the partition and its hash table).
  std::size_t partition_of_hash(std::size_t mixed) const { return mixed % n_; }

 private:
  std::size_t n_;
};

}  // namespace rill
