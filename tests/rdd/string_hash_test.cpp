// rill::Hash of strings (its own function since std::hash cost a fifth of a word count):
// it must agree between std::string and std::string_view, separate keys that differ in one
// byte, their length or their zero bytes, and spread words over hash partitions and table
// slots as evenly as a good hash does.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <rill/rill.hpp>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace rill::test {
namespace {

std::size_t h(std::string_view s) {
  return Hash<std::string_view>{}(s);
}

// Every key of length 0..40 over a few letters, plus their one-byte variants.
std::vector<std::string> short_and_long_keys() {
  std::vector<std::string> keys;
  std::uint64_t x = 12345;
  for (std::size_t len = 0; len <= 40; ++len)
    for (int k = 0; k < 2000; ++k) {
      std::string s(len, 'a');
      for (auto& c : s) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        c = char('a' + (x >> 33) % 4);  // the high bits: an LCG's low bits cycle
      }
      keys.push_back(std::move(s));
    }
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  return keys;
}

TEST(StringHash, StringAndViewAgreeAtEveryLength) {
  for (const auto& s : short_and_long_keys()) {
    ASSERT_EQ(Hash<std::string>{}(s), h(s)) << s;
    ASSERT_EQ(h(s), h(std::string(s))) << "deterministic: " << s;
  }
}

TEST(StringHash, DistinctKeysOfEveryLengthDoNotCollide) {
  std::unordered_set<std::size_t> seen;
  const auto keys = short_and_long_keys();
  for (const auto& s : keys) EXPECT_TRUE(seen.insert(h(s)).second) << "collision at " << s;
  EXPECT_GT(keys.size(), 50'000u);
  // Every 4-letter word (456 976 keys of one length, differing in any byte).
  seen.clear();
  std::string w(4, 'a');
  for (int i = 0; i < 26 * 26 * 26 * 26; ++i) {
    for (int k = 0, v = i; k < 4; ++k, v /= 26) w[k] = char('a' + v % 26);
    EXPECT_TRUE(seen.insert(h(w)).second) << "collision at " << w;
  }
}

TEST(StringHash, ZeroBytesLengthAndEachPositionCount) {
  std::unordered_set<std::size_t> seen;
  for (std::size_t n = 0; n <= 24; ++n)
    EXPECT_TRUE(seen.insert(h(std::string(n, '\0'))).second) << n;
  // One byte flipped at each position of keys of length 1..33: all distinct from the key.
  for (std::size_t n = 1; n <= 33; ++n) {
    const std::string base(n, 'x');
    for (std::size_t i = 0; i < n; ++i) {
      auto v = base;
      v[i] = 'y';
      EXPECT_NE(h(v), h(base)) << n << " " << i;
    }
  }
}

TEST(StringHash, WordsSpreadEvenlyOverPartitionsAndHighBits) {
  // "w0".."w199999": keys that differ only in a few trailing digits.
  constexpr std::size_t kKeys = 200'000, kParts = 64;
  HashPartitioner part(kParts);
  std::vector<std::size_t> by_part(kParts), by_top(kParts);
  for (std::size_t i = 0; i < kKeys; ++i) {
    const std::string w = "w" + std::to_string(i);
    ++by_part[part.partition(w)];
    ++by_top[detail::mix_hash(h(w)) >> 58];  // the slot bits FlatHashMap uses
  }
  const double mean = double(kKeys) / kParts;  // 3125; sd ~56
  for (std::size_t p = 0; p < kParts; ++p) {
    EXPECT_NEAR(double(by_part[p]), mean, 400) << "partition " << p;
    EXPECT_NEAR(double(by_top[p]), mean, 400) << "top bits " << p;
  }
}

}  // namespace
}  // namespace rill::test
