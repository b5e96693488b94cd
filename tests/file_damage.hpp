// Damaged copies of a file's bytes, for the corruption sweeps of checkpoint files (RDD
// part files in tests/rdd, streaming metadata and recovery in tests/dstream): single-byte
// flips and truncations, each with a description for the failure message.
#pragma once
#include <algorithm>
#include <cstddef>
#include <string>
#include <vector>

namespace rill::test {

struct DamagedBytes {
  std::string what;   // "flip of byte 17", "cut to 0 bytes"
  std::string bytes;  // the damaged contents
};

// Every byte flipped (one bit, varying with the position) if the file has at most
// `all_up_to` bytes, else every k-th byte with at least `min_positions` positions, the
// first and the last byte always included; then the file cut to 0, 1, half and size-1
// bytes.
inline std::vector<DamagedBytes> damaged_copies(const std::string& bytes,
                                                std::size_t min_positions = 64,
                                                std::size_t all_up_to = 512) {
  std::vector<DamagedBytes> out;
  const auto n = bytes.size();
  std::vector<std::size_t> positions;
  const std::size_t step = n <= all_up_to ? 1 : std::max<std::size_t>(1, n / min_positions);
  for (std::size_t i = 0; i < n; i += step) positions.push_back(i);
  if (n > 0 && positions.back() != n - 1) positions.push_back(n - 1);
  for (auto i : positions) {
    auto b = bytes;
    b[i] = static_cast<char>(b[i] ^ (1 << (i % 8)));
    out.push_back({"flip of byte " + std::to_string(i) + " of " + std::to_string(n), std::move(b)});
  }
  for (std::size_t len : {std::size_t{0}, std::size_t{1}, n / 2, n - 1})
    if (len < n)
      out.push_back({"cut to " + std::to_string(len) + " of " + std::to_string(n) + " bytes",
                     bytes.substr(0, len)});
  return out;
}

}  // namespace rill::test
