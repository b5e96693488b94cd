#include <rill/rdd/context.hpp>

namespace rill {

Context::Context(Config config)
    : state_(std::make_shared<detail::ContextState>(std::move(config))) {}

Rdd<std::int64_t> Context::range(std::int64_t start, std::int64_t end) const {
  return range(start, end, static_cast<std::int64_t>(state_->source_partitions()));
}

Rdd<std::int64_t> Context::range(std::int64_t start, std::int64_t end,
                                 std::int64_t partitions) const {
  const auto n = detail::checked_partitions(partitions, "range");
  return Rdd<std::int64_t>(std::make_shared<detail::RangeRdd>(state_, start, end, n));
}

bool Context::drop_cached_partition(std::size_t rdd_id, std::size_t partition) const {
  return state_->blocks().remove(rdd_id, partition);
}

}  // namespace rill
