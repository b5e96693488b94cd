// The checkpoint file of one partition: a checked file (rdd/checked_file.hpp, magic
// "RILLPART") whose payload is the element count and the elements (Serializer<T>). Written
// to a temp file and renamed, durably (fsync of file and directory) where a later run reads
// it, so a crash leaves no half file under the final name; a file whose frame or contents do not
// check out is an error naming the file, never a partition read wrongly. Cost: the partition is
// serialised into one buffer (the frame is built around it in place) and read back as one buffer.
#pragma once
#include <algorithm>
#include <filesystem>
#include <istream>
#include <ostream>
#include <rill/rdd/checked_file.hpp>
#include <rill/rdd/rdd.hpp>
#include <rill/rdd/serializer.hpp>
#include <streambuf>
#include <string>
#include <string_view>

namespace rill::detail {

// Version 1: u64 element count, then the elements. ("RILLCKP1" was the unchecked format.)
inline constexpr FileKind kCheckpointPartFile{"RILLPART", 1, "checkpoint part file"};

// Serializer<T> writes to a std::ostream; this one appends to a string, so the partition
// lands in the frame's buffer without a stringstream's copy.
class StringAppendBuf final : public std::streambuf {
 public:
  explicit StringAppendBuf(std::string& out) : out_(out) {}

 protected:
  int_type overflow(int_type c) override {
    if (!traits_type::eq_int_type(c, traits_type::eof()))
      out_.push_back(traits_type::to_char_type(c));
    return traits_type::not_eof(c);
  }
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    out_.append(s, static_cast<std::size_t>(n));
    return n;
  }

 private:
  std::string& out_;
};

// Reads a payload in place (std::ispanstream is C++23).
class ViewBuf final : public std::streambuf {
 public:
  explicit ViewBuf(std::string_view bytes) {
    auto* p = const_cast<char*>(bytes.data());  // the get area is only read
    setg(p, p, p + bytes.size());
  }
  std::size_t remaining() const { return static_cast<std::size_t>(egptr() - gptr()); }
};

// The elements of a part file's payload; throws (a bare reason) when it does not parse.
template <class T>
std::vector<T> parse_checkpoint_payload(std::string_view payload) {
  ViewBuf buf(payload);
  std::istream is(&buf);
  std::vector<T> data;
  const auto n = read_size(is);
  data.reserve(std::min<std::size_t>(n, payload.size()));
  for (std::size_t i = 0; i < n; ++i) data.push_back(Serializer<T>::read(is));
  if (buf.remaining() != 0)
    throw std::runtime_error(std::to_string(buf.remaining()) + " trailing bytes after " +
                             std::to_string(n) + " records");
  return data;
}

// Durable: recovery checkpoints, which the streaming metadata names and a later run reads.
// Lineage checkpoints (Rdd::checkpoint(), streams outside get_or_create) only shorten the
// lineage within this run, so they skip the fsyncs (write_file_replacing).
enum class Durability { durable, within_run };

template <class T, Durability D = Durability::durable>
void write_checkpoint(const std::vector<T>& data, const std::filesystem::path& file) {
  // Exact for trivially copyable T, a lower bound otherwise.
  auto bytes = begin_frame(kCheckpointPartFile, sizeof(std::uint64_t) + data.size() * sizeof(T));
  {
    StringAppendBuf buf(bytes);
    std::ostream os(&buf);
    write_size(os, data.size());
    for (const auto& x : data) Serializer<T>::write(os, x);
    if (!os) throw std::runtime_error("cannot serialise checkpoint part file " + file.string());
  }
  end_frame(bytes);
  if constexpr (D == Durability::durable)
    write_file_durably(file, bytes);
  else
    write_file_replacing(file, bytes);
}

template <class T>
std::vector<T> read_checkpoint(const std::filesystem::path& file) {
  const auto bytes = read_file(file, kCheckpointPartFile.what);
  const auto payload = unframe(kCheckpointPartFile, bytes, file);  // names the file itself
  try {
    return parse_checkpoint_payload<T>(payload);
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string(kCheckpointPartFile.what) + " " + file.string() +
                             " is corrupt: " + e.what());
  }
}

}  // namespace rill::detail

namespace rill {

template <class T>
Rdd<T> Rdd<T>::checkpoint() const {
  auto dir = node().context()->checkpoint_root() / ("rdd-" + std::to_string(id()));
  node().enable_checkpoint(dir, &detail::write_checkpoint<T, detail::Durability::within_run>,
                           &detail::read_checkpoint<T>);
  return *this;
}

}  // namespace rill
