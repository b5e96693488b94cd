#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <rill/io/write_ahead_log.hpp>
#include <stdexcept>

namespace rill::detail {
namespace {

constexpr char kSegmentPrefix[] = "log-";

std::array<std::uint32_t, 256> crc_table() {
  std::array<std::uint32_t, 256> t{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    t[i] = c;
  }
  return t;
}

// A file descriptor that is closed on every path.
struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

[[noreturn]] void fail(const std::string& what, const std::filesystem::path& p) {
  throw std::runtime_error("write-ahead log: " + what + " " + p.string() + ": " +
                           std::strerror(errno));
}

void write_all(int fd, const char* data, std::size_t n, const std::filesystem::path& p) {
  while (n > 0) {
    const auto w = ::write(fd, data, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      fail("cannot write", p);
    }
    data += w;
    n -= static_cast<std::size_t>(w);
  }
}

}  // namespace

std::uint32_t WriteAheadLog::crc32(const char* data, std::size_t n) {
  static const auto table = crc_table();
  std::uint32_t c = 0xFFFFFFFFu;
  for (std::size_t i = 0; i < n; ++i)
    c = table[(c ^ static_cast<unsigned char>(data[i])) & 0xFFu] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

WriteAheadLog::WriteAheadLog(std::filesystem::path dir) : dir_(std::move(dir)) {
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  if (ec)
    throw std::runtime_error("write-ahead log: cannot create " + dir_.string() + ": " +
                             ec.message());
}

std::filesystem::path WriteAheadLog::segment(Time t) const {
  return dir_ / (kSegmentPrefix + std::to_string(t.count()));
}

void WriteAheadLog::write_batch(Time t, const std::vector<std::string>& blocks) {
  const auto file = segment(t);
  auto tmp = file;
  tmp += ".tmp";
  {
    Fd fd{::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)};
    if (fd.fd < 0) fail("cannot create", tmp);
    for (const auto& b : blocks) {
      // Native byte order, like rill::Serializer: a log is read by the same build.
      const std::uint64_t len = b.size();
      const std::uint32_t crc = crc32(b.data(), b.size());
      write_all(fd.fd, reinterpret_cast<const char*>(&len), sizeof len, tmp);
      write_all(fd.fd, reinterpret_cast<const char*>(&crc), sizeof crc, tmp);
      write_all(fd.fd, b.data(), b.size(), tmp);
      if (::fsync(fd.fd) != 0) fail("cannot fsync", tmp);  // the block boundary
    }
    if (blocks.empty() && ::fsync(fd.fd) != 0) fail("cannot fsync", tmp);
  }
  std::error_code ec;
  std::filesystem::rename(tmp, file, ec);
  if (ec)
    throw std::runtime_error("write-ahead log: cannot rename " + tmp.string() + ": " +
                             ec.message());
  // The rename itself is durable once the directory is synced.
  Fd dir{::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
  if (dir.fd >= 0) ::fsync(dir.fd);
}

std::optional<std::vector<std::string>> WriteAheadLog::read_batch(Time t) const {
  const auto file = segment(t);
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) return std::nullopt;
  std::ifstream is(file, std::ios::binary);
  if (!is) throw std::runtime_error("write-ahead log: cannot read " + file.string());
  std::string all((std::istreambuf_iterator<char>(is)), std::istreambuf_iterator<char>());
  std::vector<std::string> blocks;
  std::size_t pos = 0;
  auto corrupt = [&](const std::string& why) {
    return std::runtime_error("write-ahead log: segment " + file.string() + " is corrupt: " + why +
                              " at byte " + std::to_string(pos));
  };
  while (pos < all.size()) {
    std::uint64_t len;
    std::uint32_t crc;
    if (all.size() - pos < sizeof len + sizeof crc) throw corrupt("truncated record header");
    std::memcpy(&len, all.data() + pos, sizeof len);
    std::memcpy(&crc, all.data() + pos + sizeof len, sizeof crc);
    const auto body = pos + sizeof len + sizeof crc;
    if (len > all.size() - body) throw corrupt("truncated record");
    if (crc32(all.data() + body, len) != crc) throw corrupt("checksum mismatch");
    blocks.emplace_back(all.data() + body, len);
    pos = body + len;
  }
  return blocks;
}

void WriteAheadLog::clean_through(Time t) {
  std::vector<std::filesystem::path> doomed;  // removed after the listing
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator(dir_, ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    const auto name = it->path().filename().string();
    const std::string digits = name.substr(std::min(name.size(), sizeof kSegmentPrefix - 1));
    if (name.rfind(kSegmentPrefix, 0) != 0 || digits.empty() ||
        digits.find_first_not_of("0123456789") != std::string::npos)
      continue;  // not a segment (a .tmp file, say)
    if (Time{std::stoll(digits)} <= t) doomed.push_back(it->path());
  }
  for (auto& p : doomed) std::filesystem::remove(p, ec);
}

}  // namespace rill::detail
