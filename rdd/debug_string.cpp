#include <rill/rdd/debug_string.hpp>

namespace rill::detail {
namespace {

void render_stage(const LineageNode& node, const std::string& first, const std::string& rest,
                  std::string& out);

void render_parents(const LineageNode& node, const std::string& rest, std::string& out) {
  for (const auto& dep : node.dependencies()) {
    if (dep.kind == Dependency::Kind::shuffle) {
      render_stage(*dep.shuffle->parent(), rest + " +-", rest + "   ", out);
    } else {
      out += rest + " |  " + dep.parent->describe() + "\n";
      render_parents(*dep.parent, rest, out);
    }
  }
}

void render_stage(const LineageNode& node, const std::string& first, const std::string& rest,
                  std::string& out) {
  out += first + "(" + std::to_string(node.num_partitions()) + ") " + node.describe() + "\n";
  render_parents(node, rest, out);
}

}  // namespace

std::string lineage_string(const LineageNode& node) {
  std::string out;
  render_stage(node, "", "", out);
  if (!out.empty()) out.pop_back();
  return out;
}

}  // namespace rill::detail
