// Helpers shared by the RDD tests: serial reference computations and the partition
// counts every operator is checked with.
#pragma once
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace rill::test {

// An empty directory path under the temp dir, unique to this process and tag.
inline std::filesystem::path fresh_dir(const std::string& tag) {
  auto d = std::filesystem::temp_directory_path() /
           ("rill-test-" + tag + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(d);
  return d;
}

// 1, 2, 7 and 64 partitions: one, few, odd, and more partitions than some inputs have elements.
inline const std::vector<std::int64_t> kPartitionCounts{1, 2, 7, 64};

template <class T>
std::vector<T> sorted(std::vector<T> v) {
  std::sort(v.begin(), v.end());
  return v;
}

// Skewed keys: key 0 takes about half of the records, the rest spread over `keys`.
inline std::vector<std::pair<int, int>> skewed_pairs(std::size_t n, int keys, unsigned seed = 7) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> key(1, keys), val(-100, 100);
  std::vector<std::pair<int, int>> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) out.emplace_back(rng() % 2 ? 0 : key(rng), val(rng));
  return out;
}

// parallelize's slicing rule: slice i = [i*len/n, (i+1)*len/n).
template <class T>
std::vector<std::vector<T>> slices(const std::vector<T>& data, std::size_t n) {
  std::vector<std::vector<T>> out(n);
  const std::size_t len = data.size();
  for (std::size_t i = 0; i < n; ++i)
    out[i].assign(data.begin() + static_cast<std::ptrdiff_t>(i * len / n),
                  data.begin() + static_cast<std::ptrdiff_t>((i + 1) * len / n));
  return out;
}

// Input sizes every operator sees: empty, fewer elements than partitions, many.
inline const std::vector<std::size_t> kSizes{0, 3, 1000};

// Per-key sums: the serial reference of reduce_by_key(+) on int pairs.
inline std::map<int, long> sums(const std::vector<std::pair<int, int>>& kvs) {
  std::map<int, long> m;
  for (auto [k, v] : kvs) m[k] += v;
  return m;
}

// A reduction's output as a map, failing the test if a key comes out twice.
template <class K, class V>
std::map<K, V> as_map(const std::vector<std::pair<K, V>>& kvs) {
  std::map<K, V> m;
  for (const auto& [k, v] : kvs)
    EXPECT_TRUE(m.emplace(k, v).second) << "key " << k << " emitted twice";
  return m;
}

inline std::vector<int> ints(std::size_t n, unsigned seed = 3) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> d(-1000, 1000);
  std::vector<int> out(n);
  for (auto& x : out) x = d(rng);
  return out;
}

}  // namespace rill::test
