#include <cstring>
#include <rill/rdd/hash.hpp>
#define XXH_INLINE_ALL  // header-only: the static library needs no extra link dependency
#include <xxhash.h>

namespace rill::detail {
namespace {

std::uint64_t load_bytes(const char* p, std::size_t n) noexcept {
  std::uint64_t v = 0;
  std::memcpy(&v, p, n);
  return v;
}

std::uint64_t fold_multiply(std::uint64_t x, std::uint64_t y) noexcept {
  __extension__ using U128 = unsigned __int128;
  const U128 m = static_cast<U128>(x) * y;
  return static_cast<std::uint64_t>(m) ^ static_cast<std::uint64_t>(m >> 64);
}

// Up to 16 bytes (most words, ids, device names): two loads that together cover every
// byte, and 64x64->128 multiplies folded to 64 bits (the wyhash construction): ~20
// instructions where XXH3's length dispatch takes ~45 and std::hash's murmur loop ~70.
std::size_t hash_short(const char* p, std::size_t n) noexcept {
  std::uint64_t a, b;
  if (n >= 8) {
    a = load_bytes(p, 8);
    b = load_bytes(p + n - 8, 8);
  } else if (n >= 4) {
    a = load_bytes(p, 4);
    b = load_bytes(p + n - 4, 4);
  } else {
    a = n ? (std::uint64_t(std::uint8_t(p[0])) << 16) |
                (std::uint64_t(std::uint8_t(p[n / 2])) << 8) | std::uint8_t(p[n - 1])
          : 0;
    b = 0;
  }
  // Two rounds: one product of keys that differ only in their low halves is nearly linear
  // in them (4-7 byte keys collided), the second mixes the whole first result.
  return fold_multiply(fold_multiply(a ^ 0xa0761d6478bd642fULL, b ^ 0xe7037ed1a0b428dbULL) ^ n,
                       0x8ebc6af09c88c6e3ULL);
}

}  // namespace

std::size_t hash_string(std::string_view s) noexcept {
  if (s.size() <= 16) return hash_short(s.data(), s.size());
  return static_cast<std::size_t>(XXH3_64bits(s.data(), s.size()));
}

}  // namespace rill::detail
