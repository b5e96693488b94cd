// lineage_string: an RDD's lineage, indented like Spark's toDebugString: "(n)" opens a
// stage, " |  " continues it, " +-" marks a shuffle boundary into the parent stage.
#pragma once
#include <rill/rdd/rdd.hpp>
#include <string>

namespace rill::detail {
std::string lineage_string(const LineageNode& node);
}

namespace rill {
template <class T>
std::string Rdd<T>::debug_string() const {
  return detail::lineage_string(node());
}
}  // namespace rill
