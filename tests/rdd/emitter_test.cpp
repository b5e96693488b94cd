// The emitter form of flat_map / flat_map_values (f(x, emit)) and text_file lines read as
// std::string_view, against serial references: empty inputs, fewer elements than
// partitions, 1/2/7/64 partitions, skewed words, words longer than the small-string
// buffer (the chunk slots that keep their strings' buffers), cached input.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <rill/rill.hpp>
#include <string_view>

#include "rdd/reference.hpp"

namespace rill::test {
namespace {

class EmitterOps : public ::testing::TestWithParam<std::int64_t> {
 protected:
  Context ctx{Config{.parallelism = 2}};
};

// A word of 1..40 letters for x: short ones fit std::string's own buffer, long ones do not.
std::string emit_test_word(int x, int i) {
  const auto n = static_cast<std::size_t>(1 + ((x * 7 + i) % 40 + 40) % 40);
  return std::string(n, static_cast<char>('a' + (x + i + 1000) % 26));
}

TEST_P(EmitterOps, FlatMapNamedTypeAndDeducedEmitter) {
  for (std::size_t size : kSizes) {
    const auto data = ints(size);
    std::vector<int> want_ints;
    std::vector<std::string> want_words;
    for (int x : data)
      for (int i = 0; i < (x & 3); ++i) {
        want_ints.push_back(x + i);
        want_words.push_back(emit_test_word(x, i));
      }
    auto rdd = ctx.parallelize(data, GetParam());
    EXPECT_EQ(rdd.flat_map<int>([](int x, auto& emit) {
                   for (int i = 0; i < (x & 3); ++i) emit(x + i);
                 })
                  .collect(),
              want_ints);
    auto words = rdd.flat_map([](const int& x, rill::Emitter<std::string>& emit) {
      for (int i = 0; i < (x & 3); ++i) emit(emit_test_word(x, i));
    });
    EXPECT_EQ(words.collect(), want_words);
    // Through a consumer that moves the strings out of the chunk (the slots are reused).
    std::map<std::string, std::int64_t> want_counts;
    for (const auto& w : want_words) ++want_counts[w];
    auto counts =
        words.map([](std::string&& w) {
               return std::pair{std::move(w), std::int64_t{1}};
             })
            .reduce_by_key(std::plus<>{});
    EXPECT_EQ(as_map(counts.collect()), want_counts);
    // From shared (cached) input: f reads it without copying it.
    auto cached = rdd.cache();
    cached.count();
    EXPECT_EQ(cached
                  .flat_map<std::string>([](const int& x, auto& emit) {
                    for (int i = 0; i < (x & 3); ++i) emit(emit_test_word(x, i));
                  })
                  .collect(),
              want_words);
  }
}

TEST_P(EmitterOps, FlatMapValuesEmitterKeepsPartitioner) {
  for (std::size_t size : kSizes) {
    const auto data = skewed_pairs(size, 50);
    std::vector<std::pair<int, std::string>> want;
    for (auto [k, v] : data)
      for (int i = 0; i < (v & 3); ++i) want.emplace_back(k, emit_test_word(v, i));
    auto rdd = ctx.parallelize(data, GetParam());
    EXPECT_EQ(rdd.flat_map_values<std::string>([](int v, auto& emit) {
                   for (int i = 0; i < (v & 3); ++i) emit(emit_test_word(v, i));
                 })
                  .collect(),
              want);
    auto parted = rdd.partition_by(HashPartitioner(3));
    auto out = parted.flat_map_values<long>([](int v, auto& emit) { emit(long{v}); });
    EXPECT_EQ(out.partitioner(), parted.partitioner());
    EXPECT_EQ(sorted(out.collect()),
              sorted(std::vector<std::pair<int, long>>(
                  parted.map_values([](int v) { return long{v}; }).collect())));
  }
}

// A map that throws after chunks have warmed up: the job fails with the message, and the
// reused slots are whole again for the next job.
TEST_P(EmitterOps, ThrowingMapIntoReusedSlots) {
  auto rdd = ctx.parallelize(ints(20000), GetParam());
  auto pairs = rdd.map([](int x) {
    if (x == 999) throw std::runtime_error("bad element 999");
    return std::pair{emit_test_word(x, 0), std::int64_t{x}};
  });
  try {
    pairs.count();
    FAIL() << "expected a JobFailed";
  } catch (const JobFailed& e) {
    EXPECT_NE(std::string(e.what()).find("bad element 999"), std::string::npos);
  }
  auto ok = rdd.filter([](int x) { return x != 999; }).map([](int x) {
    return std::pair{emit_test_word(x, 0), std::int64_t{1}};
  });
  std::int64_t want = 0;
  for (int x : ints(20000)) want += x != 999;
  EXPECT_EQ(ok.count(), want);
}

INSTANTIATE_TEST_SUITE_P(Partitions, EmitterOps, ::testing::ValuesIn(kPartitionCounts));

// Lines with skewed words ("the" is about half of them), some longer than 15 letters.
std::filesystem::path write_word_file(const std::filesystem::path& dir, std::size_t lines) {
  std::filesystem::create_directories(dir);
  auto path = dir / "words.txt";
  std::mt19937 rng(11);
  std::ofstream os(path, std::ios::binary);
  for (std::size_t i = 0; i < lines; ++i) {
    const std::size_t words = rng() % 8;  // empty lines too
    for (std::size_t j = 0; j < words; ++j) {
      if (j) os << (rng() % 5 == 0 ? "  " : " ");
      if (rng() % 2)
        os << "the";
      else
        os << std::string(1 + rng() % 24, static_cast<char>('a' + rng() % 26)) << rng() % 30;
    }
    os << (i % 3 == 0 ? "\r\n" : "\n");
  }
  return path;
}

std::vector<std::string_view> split_words(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && line[i] == ' ') ++i;
    std::size_t j = i;
    while (j < line.size() && line[j] != ' ') ++j;
    if (j > i) out.push_back(line.substr(i, j - i));
    i = j;
  }
  return out;
}

TEST_P(EmitterOps, WordCountOverLineViews) {
  const auto dir = fresh_dir("emit-words-" + std::to_string(GetParam()));
  for (std::size_t lines : {std::size_t{0}, std::size_t{2}, std::size_t{30000}}) {
    const auto path = write_word_file(dir / std::to_string(lines), lines);
    std::vector<std::string> want_lines;
    std::map<std::string, std::int64_t> want;
    {
      std::ifstream is(path, std::ios::binary);
      std::string line;
      while (std::getline(is, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        for (auto w : split_words(line)) ++want[std::string(w)];
        want_lines.push_back(line);
      }
    }
    auto text = ctx.text_file(path.string(), GetParam());
    auto count_words = [](const Rdd<std::string>& in) {
      return in
          .flat_map([](std::string_view line, rill::Emitter<std::string>& emit) {
            for (auto w : split_words(line)) emit(w);
          })
          .map([](std::string&& w) {
            return std::pair{std::move(w), std::int64_t{1}};
          })
          .reduce_by_key(std::plus<>{})
          .collect();
    };
    EXPECT_EQ(as_map(count_words(text)), want);
    // Straight to pairs, and a map that reads the line as a view.
    auto direct =
        text.flat_map<std::pair<std::string, std::int64_t>>([](std::string_view line, auto& emit) {
              for (auto w : split_words(line)) emit(w, 1);
            })
            .reduce_by_key(std::plus<>{});
    EXPECT_EQ(as_map(direct.collect()), want);
    EXPECT_EQ(text.map([](std::string_view l) { return std::string(l); }).collect(), want_lines);
    // A cached text_file hands out std::string lines; the same functions read them.
    auto cached = ctx.text_file(path.string(), GetParam()).cache();
    EXPECT_EQ(as_map(count_words(cached)), want);
    EXPECT_EQ(as_map(count_words(cached)), want);
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace rill::test
