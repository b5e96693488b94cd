#include <algorithm>
#include <cerrno>
#include <cstring>
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
  std::string name;
};

// The directory's files, oldest first.
std::vector<Candidate> list_files(const fs::path& dir) {
  std::vector<Candidate> out;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code e2;
    if (!it->is_regular_file(e2)) continue;
    auto name = it->path().filename().string();
    if (FileInputNode::ignored(name)) continue;
    auto mtime = it->last_write_time(e2);
    if (e2) continue;  // vanished meanwhile
    out.push_back({mtime, std::move(name)});
  }
  std::sort(out.begin(), out.end(), [](const Candidate& a, const Candidate& b) {
    return std::tie(a.mtime, a.name) < std::tie(b.mtime, b.name);
  });
  return out;
}

}  // namespace

bool FileInputNode::ignored(const std::string& name) {
  return name.empty() || name.front() == '.' || ends_with(name, "._COPYING_") ||
         ends_with(name, ".tmp");
}

FileInputNode::FileInputNode(std::shared_ptr<DStreamGraph> g, fs::path dir, bool new_files_only)
    : DStreamNode<std::string>(std::move(g), {}, "text_file_stream"),
      dir_(std::move(dir)),
      new_files_only_(new_files_only) {
  std::error_code ec;
  if (!fs::is_directory(dir_, ec))
    throw std::invalid_argument("text_file_stream: '" + dir_.string() + "' is not a directory");
}

void FileInputNode::prepare_start(const InputStart& start) {
  std::lock_guard lock(mutex_);
  if (start.recovery_mode && start.checkpoint_dir) {
    log_ =
        std::make_unique<FileSelectionLog>(*start.checkpoint_dir / "inputs" / std::to_string(id()),
                                           start.restarted, start.last_completed);
    if (start.restarted) {
      // Files that arrived while the job was down are new to it, whatever new_files_only.
      seen_ = log_->take_seen();
      replay_ = log_->take_replay();
      return;
    }
  }
  // Spark's newFilesOnly: what is there before the stream starts is not new, in this
  // run or in a restarted one.
  if (!new_files_only_) return;
  for (auto& c : list_files(dir_)) seen_.insert(std::move(c.name));
  if (log_) log_->snapshot(Time::min(), seen_);
}

void FileInputNode::report(const std::string& name, const std::string& what) {
  {
    std::lock_guard lock(mutex_);
    if (!reported_.insert(name).second) return;
  }
  graph().report_stream_error(id(), this->name(),
                              "text_file_stream: " + what + " " + (dir_ / name).string());
}

std::optional<std::vector<std::string>> FileInputNode::read_lines(const std::string& name,
                                                                  std::string& error) {
  std::ifstream in(dir_ / name, std::ios::binary);
  if (!in) {
    error = std::string("cannot open (") + std::strerror(errno) + ")";
    return std::nullopt;
  }
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(std::move(line));
  }
  if (in.bad()) {
    error = "read failed";
    return std::nullopt;
  }
  return lines;
}

void FileInputNode::allocate_batch(Time t) {
  std::vector<std::vector<std::string>> parts;
  std::vector<std::string> names;
  if (!replay_.empty() && t <= replay_.rbegin()->first) {
    // Selected before the crash: exactly those files again (none if it had none).
    if (auto it = replay_.find(t); it != replay_.end()) {
      for (auto& name : it->second) {
        std::string error;
        if (auto lines = read_lines(name, error))
          parts.push_back(std::move(*lines));
        else
          report(name, error + ": a file batch " + std::to_string(t.count()) +
                           " took before the restart, its lines are lost:");
      }
      replay_.erase(replay_.begin(), std::next(it));
    }
  } else {
    replay_.clear();
    for (auto& c : list_files(dir_)) {
      {
        std::lock_guard lock(mutex_);
        if (seen_.count(c.name)) continue;
      }
      std::string error;
      auto lines = read_lines(c.name, error);
      if (!lines) {
        report(c.name, error + ", retried every batch:");
        continue;
      }
      parts.push_back(std::move(*lines));
      names.push_back(std::move(c.name));
    }
    if (log_) log_->record(t, names);  // before any output of t can see them
    std::lock_guard lock(mutex_);
    for (auto& n : names) {
      reported_.erase(n);
      seen_.insert(n);
    }
  }
  partitions_.deliver(graph(), t, std::move(parts), [&] {
    if (initialized()) get_or_compute(t);
  });
}

std::optional<Rdd<std::string>> FileInputNode::compute(Time t) {
  return partitions_.rdd(graph().context(), t, "text_file_stream");
}

void FileInputNode::clear_metadata(Time t) {
  DStreamNode<std::string>::clear_metadata(t);
  if (!log_ || !log_->completed()) return;
  std::set<std::string> seen;
  {
    std::lock_guard lock(mutex_);
    // Names of files no longer in the directory need not be remembered (a new file of the
    // same name is new), so the snapshot stays as small as the directory.
    std::set<std::string> present;
    for (auto& c : list_files(dir_)) present.insert(std::move(c.name));
    for (auto it = seen_.begin(); it != seen_.end();)
      it = present.count(*it) ? std::next(it) : seen_.erase(it);
    seen = seen_;
  }
  log_->snapshot(t, seen);
}

}  // namespace rill::detail

namespace rill {

DStream<std::string> StreamingContext::text_file_stream(const std::string& dir,
                                                        bool new_files_only) {
  graph_->check_not_started("text_file_stream");
  auto node = std::make_shared<detail::FileInputNode>(graph_, dir, new_files_only);
  graph_->add_input(node);
  return DStream<std::string>(node);
}

}  // namespace rill
