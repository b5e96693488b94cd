#include <algorithm>
#include <fstream>
#include <rill/dstream/text_file_stream.hpp>
#include <stdexcept>
#include <tuple>

namespace rill::detail {
namespace fs = std::filesystem;

namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

struct Candidate {
  fs::file_time_type mtime;
  std::string path;
};

std::vector<Candidate> list_files(const fs::path& dir) {
  std::vector<Candidate> out;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code e2;
    if (!it->is_regular_file(e2)) continue;
    if (FileInputNode::ignored(it->path().filename().string())) continue;
    auto mtime = it->last_write_time(e2);
    if (e2) continue;  // vanished meanwhile
    out.push_back({mtime, it->path().string()});
  }
  return out;
}

}  // namespace

bool FileInputNode::ignored(const std::string& name) {
  return name.empty() || name.front() == '.' || ends_with(name, "._COPYING_") ||
         ends_with(name, ".tmp");
}

FileInputNode::FileInputNode(std::shared_ptr<DStreamGraph> g, fs::path dir)
    : DStreamNode<std::string>(std::move(g), {}, "text_file_stream"), dir_(std::move(dir)) {
  std::error_code ec;
  if (!fs::is_directory(dir_, ec))
    throw std::invalid_argument("text_file_stream: '" + dir_.string() + "' is not a directory");
  // Spark's newFilesOnly: what is there before the stream exists is not new.
  for (auto& c : list_files(dir_)) seen_.insert(c.path);
}

std::optional<Rdd<std::string>> FileInputNode::compute(Time t) {
  auto files = list_files(dir_);
  std::sort(files.begin(), files.end(), [](const Candidate& a, const Candidate& b) {
    return std::tie(a.mtime, a.path) < std::tie(b.mtime, b.path);
  });
  std::vector<std::vector<std::string>> parts;
  std::int64_t records = 0;
  {
    std::lock_guard lock(mutex_);
    for (auto& f : files) {
      if (!seen_.insert(f.path).second) continue;
      std::ifstream in(f.path);
      if (!in) {
        seen_.erase(f.path);  // not readable yet: try again next batch
        continue;
      }
      std::vector<std::string> lines;
      for (std::string line; std::getline(in, line);) lines.push_back(std::move(line));
      records += static_cast<std::int64_t>(lines.size());
      parts.push_back(std::move(lines));
    }
  }
  graph().report_input(t, records);
  if (parts.empty()) return graph().context().empty_rdd<std::string>();
  return graph().context().parallelize_partitions(std::move(parts), "text_file_stream");
}

}  // namespace rill::detail

namespace rill {

DStream<std::string> StreamingContext::text_file_stream(const std::string& dir) {
  graph_->check_not_started("text_file_stream");
  auto node = std::make_shared<detail::FileInputNode>(graph_, dir);
  graph_->add_input(node);
  return DStream<std::string>(node);
}

}  // namespace rill
