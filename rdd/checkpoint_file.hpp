// The checkpoint file of one partition: magic, element count, elements (Serializer<T>).
// Written to a temporary name and renamed, so a crash never leaves a half file under the
// final name; a file that does not parse is reported with its path.
#pragma once
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <rill/rdd/rdd.hpp>
#include <rill/rdd/serializer.hpp>

namespace rill::detail {

inline constexpr char kCheckpointMagic[8] = {'R', 'I', 'L', 'L', 'C', 'K', 'P', '1'};

template <class T>
void write_checkpoint(const std::vector<T>& data, const std::filesystem::path& file) {
  std::filesystem::create_directories(file.parent_path());
  auto tmp = file;
  tmp += ".tmp";
  {
    std::ofstream os(tmp, std::ios::binary | std::ios::trunc);
    if (!os) throw std::runtime_error("cannot write checkpoint file " + tmp.string());
    os.write(kCheckpointMagic, sizeof kCheckpointMagic);
    write_size(os, data.size());
    for (const auto& x : data) Serializer<T>::write(os, x);
    if (!os.flush()) throw std::runtime_error("cannot write checkpoint file " + tmp.string());
  }
  std::filesystem::rename(tmp, file);
}

template <class T>
std::vector<T> read_checkpoint(const std::filesystem::path& file) {
  std::ifstream is(file, std::ios::binary);
  if (!is)
    throw std::runtime_error("checkpoint file " + file.string() + " is missing or unreadable");
  try {
    char magic[sizeof kCheckpointMagic];
    if (!is.read(magic, sizeof magic) || !std::equal(magic, magic + sizeof magic, kCheckpointMagic))
      throw std::runtime_error("bad magic");
    std::vector<T> data;
    const auto n = read_size(is);
    data.reserve(std::min<std::size_t>(n, 1 << 20));
    for (std::size_t i = 0; i < n; ++i) data.push_back(Serializer<T>::read(is));
    if (is.peek() != std::char_traits<char>::eof()) throw std::runtime_error("trailing bytes");
    return data;
  } catch (const std::exception& e) {
    throw std::runtime_error("checkpoint file " + file.string() + " is corrupt: " + e.what());
  }
}

}  // namespace rill::detail

namespace rill {

template <class T>
Rdd<T> Rdd<T>::checkpoint() const {
  auto dir = node().context()->checkpoint_root() / ("rdd-" + std::to_string(id()));
  node().enable_checkpoint(dir, &detail::write_checkpoint<T>, &detail::read_checkpoint<T>);
  return *this;
}

}  // namespace rill
