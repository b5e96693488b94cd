// text_file against a serial line reader: globs of several files, one big file cut into
// at least min_partitions byte ranges (every line exactly once), random line lengths,
// empty lines, CRLF, no trailing newline; a path that matches nothing throws.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <rill/rill.hpp>

#include "rdd/reference.hpp"

namespace rill::test {
namespace {

namespace fs = std::filesystem;

// Lines the way Hadoop's reader sees them: split at '\n', one trailing '\r' dropped, no
// empty last line after a final newline.
std::vector<std::string> read_serially(const fs::path& p) {
  std::ifstream is(p, std::ios::binary);
  std::string all((std::istreambuf_iterator<char>(is)), {});
  std::vector<std::string> lines;
  std::size_t pos = 0;
  while (pos < all.size()) {
    auto nl = all.find('\n', pos);
    if (nl == std::string::npos) nl = all.size();
    std::string line = all.substr(pos, nl - pos);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(std::move(line));
    pos = nl + 1;
  }
  return lines;
}

// Random lines: empty ones, short ones, and some longer than typical split sizes.
void write_random_file(const fs::path& p, std::size_t lines, unsigned seed, bool crlf,
                       bool trailing_newline) {
  std::mt19937 rng(seed);
  std::ofstream os(p, std::ios::binary);
  for (std::size_t i = 0; i < lines; ++i) {
    std::size_t len = rng() % 4 == 0 ? 0 : (rng() % 10 == 0 ? rng() % 3000 : rng() % 60);
    std::string line;
    for (std::size_t j = 0; j < len; ++j) line += static_cast<char>('a' + (i + j) % 26);
    line += "#" + std::to_string(i);  // makes every line unique
    if (len == 0 && rng() % 2) line.clear();
    os << line;
    if (i + 1 < lines || trailing_newline) os << (crlf && rng() % 2 ? "\r\n" : "\n");
  }
}

class TextFileTest : public ::testing::TestWithParam<std::int64_t> {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("rill-text-" + std::to_string(::getpid()) + "-" + std::to_string(GetParam()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  Context ctx{Config{.parallelism = 2}};
  fs::path dir_;
};

TEST_P(TextFileTest, BigFileSplitsReadEveryLineOnce) {
  const auto min_parts = GetParam();
  int variant = 0;
  for (bool crlf : {false, true})
    for (bool trailing : {false, true}) {
      auto f = dir_ / ("big" + std::to_string(variant++) + ".txt");
      write_random_file(f, 3000, static_cast<unsigned>(variant), crlf, trailing);
      auto want = read_serially(f);
      auto rdd = ctx.text_file(f.string(), min_parts);
      EXPECT_GE(rdd.num_partitions(), static_cast<std::size_t>(min_parts)) << f;
      EXPECT_EQ(rdd.collect(), want) << f;
      EXPECT_EQ(rdd.count(), static_cast<std::int64_t>(want.size()));
    }
}

TEST_P(TextFileTest, EveryByteRangeCutOfASmallFileReadsEachLineOnce) {
  // Small files with many partitions: splits start on newlines, inside CRLF, mid-line.
  const char* contents[] = {"",
                            "\n",
                            "\n\n\n",
                            "a",
                            "a\n",
                            "ab\r\ncd\r\n",
                            "x\n\ny\r\n\r\nlast",
                            "one line no newline",
                            "\r\n\r\n",
                            "abc\ndef\nghi\n"};
  int i = 0;
  for (const char* c : contents) {
    auto f = dir_ / ("small" + std::to_string(i++) + ".txt");
    std::ofstream(f, std::ios::binary) << c;
    auto rdd = ctx.text_file(f.string(), GetParam());
    EXPECT_GE(rdd.num_partitions(), static_cast<std::size_t>(GetParam()));
    EXPECT_EQ(rdd.collect(), read_serially(f)) << "contents: '" << c << "'";
  }
}

TEST_P(TextFileTest, FileOf900BytesGetsAtLeastMinPartitions) {
  // 900 bytes in 64 partitions once gave 60 splits (a rounded-up split size).
  auto f = dir_ / "k.txt";
  {
    std::ofstream os(f, std::ios::binary);
    for (int i = 0; i < 100; ++i) os << "line-" << (100 + i) << "\n";  // 9 bytes each
  }
  ASSERT_EQ(fs::file_size(f), 900u);
  for (std::int64_t m : {GetParam(), GetParam() + 1, std::int64_t{64}, std::int64_t{63}}) {
    auto rdd = ctx.text_file(f.string(), m);
    EXPECT_GE(rdd.num_partitions(), static_cast<std::size_t>(m));
    EXPECT_EQ(rdd.collect(), read_serially(f)) << "min_partitions=" << m;
  }
}

TEST_P(TextFileTest, LinesLongerThanTheReadBufferSpanSplits) {
  auto f = dir_ / "long.txt";
  {
    std::ofstream os(f, std::ios::binary);
    os << "first\n"
       << std::string(3u << 20, 'x') << "\r\n\n"
       << std::string(1500000, 'y') << "\nlast";
  }
  auto rdd = ctx.text_file(f.string(), GetParam());
  auto got = rdd.collect();
  auto want = read_serially(f);
  ASSERT_EQ(got.size(), want.size());
  EXPECT_TRUE(got == want);
  EXPECT_EQ(got.size(), 5u);
}

TEST_P(TextFileTest, GlobAndDirectoryReadAllMatchingFilesInNameOrder) {
  std::vector<std::string> want;
  for (int i = 0; i < 4; ++i) {
    auto f = dir_ / ("log" + std::to_string(i) + ".log");
    write_random_file(f, 50 + static_cast<std::size_t>(i) * 30, static_cast<unsigned>(10 + i),
                      i % 2 == 1, i != 2);
    auto lines = read_serially(f);
    want.insert(want.end(), lines.begin(), lines.end());
  }
  std::ofstream(dir_ / "other.txt") << "not matched\n";
  auto got = ctx.text_file((dir_ / "log*.log").string(), GetParam());
  EXPECT_GE(got.num_partitions(), static_cast<std::size_t>(GetParam()));
  EXPECT_EQ(got.collect(), want);
  // A directory means all its files.
  auto lines = read_serially(dir_ / "other.txt");
  want.insert(want.end(), lines.begin(), lines.end());
  EXPECT_EQ(ctx.text_file(dir_.string(), GetParam()).count(),
            static_cast<std::int64_t>(want.size()));
}

INSTANTIATE_TEST_SUITE_P(Partitions, TextFileTest, ::testing::ValuesIn(kPartitionCounts));

TEST(TextFileErrors, MissingPathThrowsNamingThePath) {
  Context ctx(Config{.parallelism = 2});
  for (std::string p : {"/nonexistent/rill/file.txt", "/nonexistent/rill/*.log"}) {
    try {
      ctx.text_file(p, 2);
      ADD_FAILURE() << "no throw for " << p;
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find(p), std::string::npos) << e.what();
    }
  }
  EXPECT_THROW(ctx.text_file("/etc/hostname", 0), std::invalid_argument);
  EXPECT_THROW(ctx.text_file("/etc/hostname", -4), std::invalid_argument);
}

}  // namespace
}  // namespace rill::test
