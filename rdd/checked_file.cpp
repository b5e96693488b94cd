#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <rill/rdd/checked_file.hpp>
#include <stdexcept>
#include <vector>
#define XXH_INLINE_ALL  // header-only: the static library needs no extra link dependency
#include <xxhash.h>

namespace rill::detail {
namespace {

struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

[[noreturn]] void fail(const std::string& what, const std::filesystem::path& p) {
  throw std::runtime_error(what + " " + p.string() + ": " + std::strerror(errno));
}

template <class U>
void put(std::string& out, U v) {
  out.append(reinterpret_cast<const char*>(&v), sizeof v);
}
template <class U>
U get(std::string_view bytes, std::size_t pos) {
  U v;
  std::memcpy(&v, bytes.data() + pos, sizeof v);
  return v;
}

}  // namespace

std::uint64_t checksum64(const void* data, std::size_t n) {
  return XXH3_64bits(data, n);
}

std::string begin_frame(const FileKind& kind, std::size_t payload_hint) {
  std::string out;
  out.reserve(kFrameOverhead + payload_hint);
  out.append(kind.magic.substr(0, 8));
  out.resize(8, ' ');
  put<std::uint32_t>(out, kind.version);
  put<std::uint64_t>(out, 0);  // the length, filled in by end_frame
  return out;
}

void end_frame(std::string& framed) {
  const std::uint64_t length = framed.size() - (kFrameOverhead - 8);
  std::memcpy(framed.data() + 12, &length, sizeof length);
  put<std::uint64_t>(framed, checksum64(framed));
}

std::string frame(const FileKind& kind, std::string_view payload) {
  auto out = begin_frame(kind, payload.size());
  out.append(payload);
  end_frame(out);
  return out;
}

std::string_view unframe(const FileKind& kind, std::string_view bytes,
                         const std::filesystem::path& file) {
  auto corrupt = [&](const std::string& why) {
    return std::runtime_error(std::string(kind.what) + " " + file.string() + " is corrupt: " + why);
  };
  if (bytes.size() < 8 || bytes.substr(0, 8) != kind.magic.substr(0, 8))
    throw corrupt("not a rill " + std::string(kind.what) + " (bad magic)");
  if (bytes.size() < kFrameOverhead)
    throw corrupt("truncated header (" + std::to_string(bytes.size()) + " bytes)");
  const auto version = get<std::uint32_t>(bytes, 8);
  if (version != kind.version)
    throw corrupt("format version " + std::to_string(version) + ", this build reads version " +
                  std::to_string(kind.version));
  const auto length = get<std::uint64_t>(bytes, 12);
  if (length > bytes.size() - kFrameOverhead)
    throw corrupt("truncated: " + std::to_string(bytes.size()) + " bytes, the header says " +
                  std::to_string(length + kFrameOverhead));
  if (length < bytes.size() - kFrameOverhead) throw corrupt("trailing bytes after the checksum");
  const auto body = bytes.size() - 8;
  if (checksum64(bytes.data(), body) != get<std::uint64_t>(bytes, body))
    throw corrupt("checksum mismatch");
  return bytes.substr(20, length);
}

std::string read_file(const std::filesystem::path& file, std::string_view what) {
  std::ifstream is(file, std::ios::binary | std::ios::ate);
  if (!is)
    throw std::runtime_error(std::string(what) + " " + file.string() + " is missing or unreadable");
  // One read of the known size: checkpoint parts can be large, and a character-wise
  // copy through istreambuf_iterator costs several times the I/O.
  const auto size = is.tellg();
  if (size < 0)
    throw std::runtime_error(std::string(what) + " " + file.string() + " is unreadable");
  std::string all(static_cast<std::size_t>(size), '\0');
  is.seekg(0);
  if (!is.read(all.data(), static_cast<std::streamsize>(all.size())) ||
      is.peek() != std::char_traits<char>::eof())
    throw std::runtime_error(std::string(what) + " " + file.string() +
                             " is unreadable (it changed while being read)");
  return all;
}

void sync_directory(const std::filesystem::path& dir) {
  Fd fd{::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
  if (fd.fd < 0) fail("cannot open directory", dir);
  if (::fsync(fd.fd) != 0) fail("cannot fsync directory", dir);
}

namespace {

void write_file_via_rename(const std::filesystem::path& file, std::string_view bytes, bool sync) {
  std::error_code ec;
  if (file.has_parent_path()) {
    // The directories this call creates, outermost first: each new entry is made durable
    // in its parent, or a crash could lose the whole directory with the synced file in it.
    std::vector<std::filesystem::path> created;
    for (auto d = file.parent_path(); !d.empty() && !std::filesystem::exists(d, ec);
         d = d.parent_path()) {
      created.insert(created.begin(), d);
      if (d == d.parent_path()) break;
    }
    std::filesystem::create_directories(file.parent_path(), ec);
    if (ec)
      throw std::runtime_error("cannot create directory " + file.parent_path().string() + ": " +
                               ec.message());
    if (sync)
      for (const auto& d : created) sync_directory(d.parent_path());
  }
  auto tmp = file;
  tmp += ".tmp";
  {
    Fd fd{::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)};
    if (fd.fd < 0) fail("cannot create", tmp);
    const char* p = bytes.data();
    std::size_t n = bytes.size();
    while (n > 0) {
      const auto w = ::write(fd.fd, p, n);
      if (w < 0) {
        if (errno == EINTR) continue;
        fail("cannot write", tmp);
      }
      p += w;
      n -= static_cast<std::size_t>(w);
    }
    if (sync && ::fsync(fd.fd) != 0) fail("cannot fsync", tmp);
  }
  if (::rename(tmp.c_str(), file.c_str()) != 0) fail("cannot rename " + tmp.string() + " to", file);
  if (sync) sync_directory(file.parent_path());
}

}  // namespace

void write_file_durably(const std::filesystem::path& file, std::string_view bytes) {
  write_file_via_rename(file, bytes, true);
}

void write_file_replacing(const std::filesystem::path& file, std::string_view bytes) {
  write_file_via_rename(file, bytes, false);
}

void write_checked_file(const std::filesystem::path& file, const FileKind& kind,
                        std::string_view payload) {
  write_file_durably(file, frame(kind, payload));
}

std::string read_checked_file(const std::filesystem::path& file, const FileKind& kind) {
  const auto bytes = read_file(file, kind.what);
  return std::string(unframe(kind, bytes, file));
}

}  // namespace rill::detail
