// The bytes of one received block in the write-ahead log: Serializer<std::vector<T>>'s
// format (count, then the records). Only for element types with a rill::Serializer.
#pragma once
#include <rill/dstream/checkpointable.hpp>
#include <sstream>
#include <string>
#include <vector>

namespace rill::detail {

template <class T>
std::string encode_block(const std::vector<T>& records) {
  if constexpr (checkpointable_v<T>) {
    std::ostringstream os(std::ios::binary);
    Serializer<std::vector<T>>::write(os, records);
    return std::move(os).str();
  } else {
    throw std::logic_error("write-ahead log: the element type has no rill::Serializer");
  }
}

template <class T>
std::vector<T> decode_block(const std::string& bytes) {
  if constexpr (checkpointable_v<T>) {
    std::istringstream is(bytes, std::ios::binary);
    auto records = Serializer<std::vector<T>>::read(is);
    if (is.peek() != std::char_traits<char>::eof())
      throw std::runtime_error("write-ahead log: trailing bytes after a block's records");
    return records;
  } else {
    throw std::logic_error("write-ahead log: the element type has no rill::Serializer");
  }
}

}  // namespace rill::detail
