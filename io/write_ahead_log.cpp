#include <fcntl.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <iostream>
#include <optional>
#include <rill/io/write_ahead_log.hpp>
#include <rill/rdd/checked_file.hpp>
#include <stdexcept>
#include <utility>

namespace rill::detail {
namespace {

constexpr char kPrefix[] = "log-";
constexpr std::string_view kMagic = "RILLWAL1";
constexpr std::uint32_t kVersion = 1;
constexpr std::size_t kFileHeader = 8 + 4;
// type:u32 reserved:u32 length:u64 xxh3(type..length):u64 | payload | xxh3(payload):u64
constexpr std::size_t kRecordHeader = 24, kRecordTrailer = 8;
constexpr std::uint32_t kBlock = 1, kMarker = 2;

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

template <class U>
void put(std::string& out, U v) {
  out.append(reinterpret_cast<const char*>(&v), sizeof v);
}
template <class U>
U get(const std::string& bytes, std::size_t pos) {
  U v;
  std::memcpy(&v, bytes.data() + pos, sizeof v);
  return v;
}

// The segment number of a file name "log-<digits>", or -1.
long long segment_number(const std::string& name) {
  if (name.rfind(kPrefix, 0) != 0) return -1;
  const auto digits = name.substr(sizeof kPrefix - 1);
  if (digits.empty() || digits.size() > 18 ||
      digits.find_first_not_of("0123456789") != std::string::npos)
    return -1;
  return std::stoll(digits);
}

}  // namespace

WriteAheadLog::WriteAheadLog(std::filesystem::path dir, WalSync sync)
    : dir_(std::move(dir)), sync_(sync) {
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  if (ec)
    throw std::runtime_error("write-ahead log: cannot create " + dir_.string() + ": " +
                             ec.message());
  recover();
}

WriteAheadLog::~WriteAheadLog() {
  if (fd_ >= 0) ::close(fd_);
}

std::filesystem::path WriteAheadLog::segment_path(std::uint64_t seq) const {
  auto digits = std::to_string(seq);
  digits.insert(0, 10 - std::min<std::size_t>(10, digits.size()), '0');
  return dir_ / (kPrefix + digits);
}

void WriteAheadLog::recover() {
  std::vector<std::pair<std::uint64_t, std::filesystem::path>> files;
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator(dir_, ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    const auto n = segment_number(it->path().filename().string());
    if (n >= 0) files.emplace_back(static_cast<std::uint64_t>(n), it->path());
  }
  if (ec)
    throw std::runtime_error("write-ahead log: cannot list " + dir_.string() + ": " + ec.message());
  std::sort(files.begin(), files.end());
  std::vector<std::string> since_marker;  // blocks not yet covered by a marker
  for (std::size_t i = 0; i < files.size(); ++i) {
    const auto& [seq, file] = files[i];
    const bool newest = i + 1 == files.size();
    const auto bytes = read_file(file, "write-ahead log segment");
    auto corrupt = [&](const std::string& why, std::size_t at) {
      return std::runtime_error("write-ahead log segment " + file.string() + " is corrupt: " + why +
                                " at byte " + std::to_string(at));
    };
    std::size_t good = 0;  // end of the last whole record
    std::optional<Time> marker;
    bool torn = false;
    if (bytes.size() < kFileHeader) {
      if (!newest || kMagic.substr(0, bytes.size()) != std::string_view(bytes))
        throw corrupt("truncated or foreign file header", 0);
      torn = true;  // a crash while the segment was being created
    } else {
      if (std::string_view(bytes).substr(0, 8) != kMagic)
        throw corrupt("not a rill write-ahead log segment (bad magic)", 0);
      if (get<std::uint32_t>(bytes, 8) != kVersion)
        throw corrupt("format version " + std::to_string(get<std::uint32_t>(bytes, 8)) +
                          ", this build reads version " + std::to_string(kVersion),
                      8);
      good = kFileHeader;
    }
    while (!torn && good < bytes.size()) {
      if (marker) throw corrupt("record after the batch marker", good);
      if (bytes.size() - good < kRecordHeader) {
        torn = true;
        break;
      }
      const auto type = get<std::uint32_t>(bytes, good);
      const auto len = get<std::uint64_t>(bytes, good + 8);
      if (checksum64(bytes.data() + good, 16) != get<std::uint64_t>(bytes, good + 16))
        throw corrupt("record header checksum mismatch", good);
      if (type != kBlock && type != kMarker) throw corrupt("unknown record type", good);
      const auto body = good + kRecordHeader;
      if (len > bytes.size() - body || bytes.size() - body - len < kRecordTrailer) {
        torn = true;
        break;
      }
      if (checksum64(bytes.data() + body, len) != get<std::uint64_t>(bytes, body + len))
        throw corrupt("record checksum mismatch", good);
      if (type == kBlock) {
        since_marker.emplace_back(bytes.data() + body, len);
      } else {
        if (len != sizeof(std::int64_t)) throw corrupt("bad batch marker", good);
        marker = Time{get<std::int64_t>(bytes, body)};
        if (recovered_.batches.count(*marker)) throw corrupt("second marker of a batch", good);
        recovered_.batches[*marker] = std::exchange(since_marker, {});
      }
      good = body + len + kRecordTrailer;
    }
    if (torn && !newest)
      throw corrupt("truncated record in a segment that is not the newest", good);
    if (marker) closed_.push_back({seq, *marker});
    recovered_files_.push_back(file);
    seq_ = seq + 1;
    if (newest && !marker) {
      // Appends continue in this segment, after its last whole record.
      if (torn)
        std::cerr << "rill: write-ahead log " << file.string() << ": dropped "
                  << bytes.size() - good
                  << " bytes of a record cut short at its end (a crash during a write; the "
                     "block was never acknowledged)\n";
      fd_ = ::open(file.c_str(), O_WRONLY | O_CLOEXEC);
      if (fd_ < 0) fail("cannot open", file);
      if (::ftruncate(fd_, static_cast<off_t>(good)) != 0) fail("cannot truncate", file);
      if (good < kFileHeader) {
        std::string header(kMagic);
        put<std::uint32_t>(header, kVersion);
        if (::lseek(fd_, 0, SEEK_SET) < 0) fail("cannot seek", file);
        write_all(fd_, header.data(), header.size(), file);
      } else if (::lseek(fd_, 0, SEEK_END) < 0) {
        fail("cannot seek", file);
      }
      if (::fsync(fd_) != 0) fail("cannot fsync", file);
      seq_ = seq;
    }
  }
  recovered_.unallocated = std::move(since_marker);
  pending_ = !recovered_.unallocated.empty();
}

WriteAheadLog::Recovered WriteAheadLog::take_recovered() {
  std::lock_guard lock(mutex_);
  return std::exchange(recovered_, {});
}

void WriteAheadLog::discard_recovered() {
  std::lock_guard lock(mutex_);
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
  for (auto& f : recovered_files_) {
    std::error_code ec;
    std::filesystem::remove(f, ec);
  }
  recovered_files_.clear();
  closed_.clear();
  recovered_ = {};
  pending_ = false;
}

void WriteAheadLog::open_segment_locked() {
  const auto file = segment_path(seq_);
  fd_ = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) fail("cannot create", file);
  std::string header(kMagic);
  put<std::uint32_t>(header, kVersion);
  write_all(fd_, header.data(), header.size(), file);
  written_ += header.size();
  sync_directory(dir_);  // the new name survives a power loss once a block in it does
}

void WriteAheadLog::write_locked(std::uint32_t type, std::string_view payload) {
  if (fd_ < 0) open_segment_locked();
  std::string header, trailer;
  put<std::uint32_t>(header, type);
  put<std::uint32_t>(header, 0);
  put<std::uint64_t>(header, payload.size());
  put<std::uint64_t>(header, checksum64(header.data(), 16));
  put<std::uint64_t>(trailer, checksum64(payload));
  // One writev() per record, so the payload is not copied and a kill leaves a prefix of
  // the record at most.
  iovec parts[3] = {{header.data(), header.size()},
                    {const_cast<char*>(payload.data()), payload.size()},
                    {trailer.data(), trailer.size()}};
  iovec* next = parts;
  int left = 3;
  while (left > 0) {
    const auto w = ::writev(fd_, next, left);
    if (w < 0) {
      if (errno == EINTR) continue;
      fail("cannot write", segment_path(seq_));
    }
    written_ += static_cast<std::uint64_t>(w);
    auto n = static_cast<std::size_t>(w);
    for (; left > 0 && next->iov_len <= n; --left, ++next) n -= next->iov_len;
    if (left > 0) {  // a partial write inside one part
      next->iov_base = static_cast<char*>(next->iov_base) + n;
      next->iov_len -= n;
    }
  }
}

std::uint64_t WriteAheadLog::append(std::string_view block) {
  std::lock_guard lock(mutex_);
  write_locked(kBlock, block);
  pending_ = true;
  return written_;
}

// Called with the lock held and no other fsync under way; leaves durable_ at written_.
void WriteAheadLog::fsync_locked(std::unique_lock<std::mutex>& lock) {
  const auto target = written_;
  const int fd = fd_;
  if (fd < 0) {
    durable_ = target;
    return;
  }
  syncing_ = true;
  if (sync_ == WalSync::group_commit) lock.unlock();  // others append meanwhile
  const int rc = ::fsync(fd);
  if (sync_ == WalSync::group_commit) lock.lock();
  syncing_ = false;
  synced_.notify_all();
  if (rc != 0) fail("cannot fsync", segment_path(seq_));
  durable_ = std::max(durable_, target);
}

void WriteAheadLog::sync_to(std::uint64_t position) {
  std::unique_lock lock(mutex_);
  while (durable_ < position) {
    if (syncing_) {
      synced_.wait(lock);
      continue;
    }
    fsync_locked(lock);
  }
}

void WriteAheadLog::mark_batch(Time t) {
  std::unique_lock lock(mutex_);
  if (!pending_) return;
  synced_.wait(lock, [&] { return !syncing_; });
  write_locked(kMarker, std::string_view(reinterpret_cast<const char*>(&t), sizeof(std::int64_t)));
  static_assert(sizeof(Time::rep) == sizeof(std::int64_t));
  // The segment is closed here, so no other thread may start an fsync of it meanwhile:
  // the lock stays held (per_block never releases it; a group syncer waits).
  const int fd = fd_;
  if (::fsync(fd) != 0) fail("cannot fsync", segment_path(seq_));
  durable_ = written_;
  ::close(fd);
  fd_ = -1;
  closed_.push_back({seq_, t});
  ++seq_;
  pending_ = false;
  synced_.notify_all();
}

void WriteAheadLog::clean_through(Time t) {
  std::vector<std::filesystem::path> doomed;
  {
    std::lock_guard lock(mutex_);
    auto keep = std::stable_partition(closed_.begin(), closed_.end(),
                                      [&](const Segment& s) { return s.marker > t; });
    for (auto it = keep; it != closed_.end(); ++it) doomed.push_back(segment_path(it->seq));
    closed_.erase(keep, closed_.end());
  }
  for (auto& p : doomed) {
    std::error_code ec;
    std::filesystem::remove(p, ec);
  }
}

}  // namespace rill::detail
