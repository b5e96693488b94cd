#include <rill/rdd/shuffle.hpp>

namespace rill::detail {

std::shared_ptr<const Partitioner> default_partitioner(std::int64_t n,
                                                       const std::vector<const RddBase*>& inputs) {
  if (n < 0)
    throw std::invalid_argument("number of partitions must be > 0, got " + std::to_string(n));
  if (n > 0) return std::make_shared<HashPartitioner>(static_cast<std::size_t>(n));
  std::shared_ptr<const Partitioner> best;
  std::size_t largest = 0;
  for (const auto* in : inputs) {
    largest = std::max(largest, in->num_partitions());
    auto p = in->partitioner();
    if (p && (!best || p->num_partitions() > best->num_partitions())) best = p;
  }
  if (best) return best;
  const auto configured =
      inputs.empty() ? 0 : inputs.front()->context()->config().default_partitions;
  if (configured > 0)
    return std::make_shared<HashPartitioner>(static_cast<std::size_t>(configured));
  return std::make_shared<HashPartitioner>(std::max<std::size_t>(largest, 1));
}

}  // namespace rill::detail
