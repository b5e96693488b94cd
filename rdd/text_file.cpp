#include <fcntl.h>
#include <glob.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <functional>
#include <rill/rdd/context.hpp>
#include <rill/rdd/line_view_sink.hpp>
#include <rill/rdd/text_file.hpp>

namespace rill::detail {
namespace {

namespace fs = std::filesystem;
constexpr std::uint64_t kMaxSplit = 32ull << 20;  // Hadoop's local block size
constexpr double kSplitSlop = 1.1;                // Hadoop's SPLIT_SLOP

class File {
 public:
  explicit File(const std::string& path) : fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) {
    if (fd_ < 0)
      throw std::runtime_error("text_file: cannot open " + path + ": " + std::strerror(errno));
  }
  ~File() { ::close(fd_); }
  File(const File&) = delete;
  File& operator=(const File&) = delete;
  std::size_t read_at(char* buf, std::size_t n, std::uint64_t offset,
                      const std::string& path) const {
    for (;;) {
      auto r = ::pread(fd_, buf, n, static_cast<off_t>(offset));
      if (r >= 0) return static_cast<std::size_t>(r);
      if (errno != EINTR)
        throw std::runtime_error("text_file: cannot read " + path + ": " + std::strerror(errno));
    }
  }

 private:
  int fd_;
};

}  // namespace

std::vector<std::string> match_files(const std::string& pattern) {
  std::vector<std::string> files;
  std::error_code ec;
  if (fs::is_directory(pattern, ec)) {
    for (const auto& e : fs::directory_iterator(pattern, ec))
      if (e.is_regular_file() && e.path().filename().string().front() != '.')
        files.push_back(e.path().string());
  } else {
    glob_t g{};
    if (::glob(pattern.c_str(), 0, nullptr, &g) == 0)
      for (std::size_t i = 0; i < g.gl_pathc; ++i)
        if (fs::is_regular_file(g.gl_pathv[i], ec)) files.emplace_back(g.gl_pathv[i]);
    ::globfree(&g);
  }
  if (files.empty())
    throw std::runtime_error("text_file: input path '" + pattern + "' matches no file");
  std::sort(files.begin(), files.end());
  return files;
}

std::vector<FileSplit> plan_splits(const std::vector<std::string>& files,
                                   std::size_t min_partitions) {
  std::vector<std::uint64_t> sizes;
  std::uint64_t total = 0;
  for (const auto& f : files) {
    std::error_code ec;
    auto s = fs::file_size(f, ec);
    if (ec) throw std::runtime_error("text_file: cannot stat " + f + ": " + ec.message());
    sizes.push_back(s);
    total += s;
  }
  // Hadoop's goalSize rounds down: rounding up made fewer than min_partitions splits
  // (900 bytes in 64 asked for gave 60).
  const std::uint64_t goal = total / std::max<std::size_t>(min_partitions, 1);
  const std::uint64_t split = std::max<std::uint64_t>(1, std::min(goal, kMaxSplit));
  std::vector<FileSplit> splits;
  for (std::size_t i = 0; i < files.size(); ++i) {
    std::uint64_t start = 0, left = sizes[i];
    while (double(left) / double(split) > kSplitSlop) {
      splits.push_back({files[i], start, start + split});
      start += split;
      left -= split;
    }
    splits.push_back({files[i], start, sizes[i]});  // also the one empty split of an empty file
  }
  // Fewer bytes than partitions asked for: empty splits at the end keep the promise of at
  // least min_partitions partitions (a split starting at end of file reads no line).
  while (splits.size() < min_partitions)
    splits.push_back({files.back(), sizes.back(), sizes.back()});
  return splits;
}

TextFileRdd::TextFileRdd(std::shared_ptr<ContextState> ctx, std::vector<FileSplit> splits)
    : RddNode<std::string>(std::move(ctx), splits.size(), {}, "HadoopRdd", "text_file"),
      splits_(std::move(splits)) {}

void TextFileRdd::compute(std::size_t p, TaskContext& tc, ChunkSink<std::string>& out) {
  const FileSplit& s = splits_[p];
  File file(s.path);
  constexpr std::size_t kBuf = 1 << 20;
  std::vector<char> buf(kBuf);
  std::size_t have = 0, pos = 0;       // valid bytes in buf, parse position
  std::uint64_t buf_offset = s.start;  // file offset of buf[0]
  bool eof = false;
  std::function<void()> on_refill;  // hands out the views into buf before it moves
  auto refill = [&] {
    if (on_refill) on_refill();
    // Keep the unparsed tail, read more after it.
    std::memmove(buf.data(), buf.data() + pos, have - pos);
    buf_offset += pos;
    have -= pos;
    pos = 0;
    if (have == buf.size()) buf.resize(buf.size() * 2);  // a line longer than the buffer
    const auto n = file.read_at(buf.data() + have, buf.size() - have, buf_offset + have, s.path);
    if (n == 0) eof = true;
    have += n;
  };
  // Finds the next '\n' from pos; false at end of file with no newline left.
  auto next_line = [&](std::size_t& line_end) {
    for (;;) {
      if (auto* nl = static_cast<char*>(std::memchr(buf.data() + pos, '\n', have - pos))) {
        line_end = static_cast<std::size_t>(nl - buf.data());
        return true;
      }
      if (eof) {
        line_end = have;
        return pos < have;
      }
      refill();
    }
  };

  // A consumer that reads lines as views (a function taking std::string_view) gets views
  // into buf, pushed before buf is refilled; any other consumer gets std::string lines.
  auto* views = dynamic_cast<LineViewSink*>(&out);
  std::vector<std::string> chunk(views ? 0 : chunk_size_v<std::string>);
  std::vector<std::string_view> view_chunk(views ? chunk_size_v<std::string> : 0);
  std::size_t k = 0;
  auto flush = [&] {
    if (k == 0) return;
    if (views)
      views->push_views(std::span<const std::string_view>(view_chunk.data(), k));
    else
      out.push(std::span<std::string>(chunk.data(), k));
    k = 0;
  };
  on_refill = flush;
  std::int64_t lines = 0;
  std::size_t end = 0;
  if (s.start != 0) {  // the line in progress belongs to the previous split
    if (!next_line(end)) return;
    pos = std::min(end + 1, have);
  }
  while (buf_offset + pos <= s.end && next_line(end)) {
    std::size_t len = end - pos;
    if (len > 0 && buf[pos + len - 1] == '\r') --len;
    if (views)
      view_chunk[k++] = std::string_view(buf.data() + pos, len);
    else
      chunk[k++].assign(buf.data() + pos, len);
    ++lines;
    pos = std::min(end + 1, have);
    if (k == chunk_size_v<std::string>) flush();
  }
  flush();
  tc.records_in += lines;
}

}  // namespace rill::detail

namespace rill {

Rdd<std::string> Context::text_file(const std::string& path) const {
  return text_file(
      path, static_cast<std::int64_t>(std::min<std::size_t>(state_->source_partitions(), 2)));
}

Rdd<std::string> Context::text_file(const std::string& path, std::int64_t min_partitions) const {
  const auto n = detail::checked_partitions(min_partitions, "text_file");
  return Rdd<std::string>(std::make_shared<detail::TextFileRdd>(
      state_, detail::plan_splits(detail::match_files(path), n)));
}

}  // namespace rill
