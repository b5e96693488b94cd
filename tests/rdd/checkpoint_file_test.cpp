// RDD checkpoint part files are checked files: they round-trip, and any flipped byte,
// cut, old-format or unparsable file is an error naming the file, never a partition read
// wrongly; the RDD job that reads one fails with that message.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <rill/rdd/checked_file.hpp>
#include <rill/rdd/checkpoint_file.hpp>
#include <rill/rill.hpp>
#include <string>
#include <vector>

#include "file_damage.hpp"
#include "rdd/reference.hpp"

namespace rill::test {
namespace {

using StrVec = std::pair<std::string, std::vector<int>>;

std::string part_file_bytes(const std::filesystem::path& f) {
  return detail::read_file(f, "test file");
}
void put_part_file_bytes(const std::filesystem::path& f, const std::string& bytes) {
  std::ofstream(f, std::ios::binary | std::ios::trunc) << bytes;
}

// The error read_checkpoint must raise for a damaged file: it names the file.
template <class T>
void expect_part_file_error(const std::filesystem::path& f, const std::string& what) {
  try {
    auto data = detail::read_checkpoint<T>(f);
    ADD_FAILURE() << what << ": read " << data.size() << " records without error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("checkpoint part file " + f.string()), std::string::npos)
        << what << ": " << e.what();
  }
}

TEST(CheckpointPartFile, RoundTripsInACheckedFrameAndLeavesNoTempFile) {
  const auto dir = fresh_dir("part-file-roundtrip");
  const std::vector<std::pair<int, int>> pairs = skewed_pairs(1000, 50);
  const std::vector<StrVec> nested{{"a", {1, 2}}, {"", {}}, {std::string(300, 'x'), {7}}};
  detail::write_checkpoint(pairs, dir / "pairs" / "part-00000");
  detail::write_checkpoint(nested, dir / "nested" / "part-00000");
  detail::write_checkpoint(std::vector<std::string>{}, dir / "empty" / "part-00000");
  EXPECT_EQ((detail::read_checkpoint<std::pair<int, int>>(dir / "pairs" / "part-00000")), pairs);
  EXPECT_EQ(detail::read_checkpoint<StrVec>(dir / "nested" / "part-00000"), nested);
  EXPECT_TRUE(detail::read_checkpoint<std::string>(dir / "empty" / "part-00000").empty());
  const auto bytes = part_file_bytes(dir / "pairs" / "part-00000");
  EXPECT_EQ(bytes.substr(0, 8), "RILLPART");
  EXPECT_EQ(bytes.size(), detail::kFrameOverhead + 8 + pairs.size() * sizeof(pairs[0]));
  for (auto& e : std::filesystem::recursive_directory_iterator(dir))
    EXPECT_NE(e.path().extension(), ".tmp") << e.path();
  std::filesystem::remove_all(dir);
}

TEST(CheckpointPartFile, EveryFlippedByteAndEveryCutIsAnErrorNamingTheFile) {
  const auto dir = fresh_dir("part-file-sweep");
  const std::vector<StrVec> data{{"key", {1, 2, 3}}, {"other", {}}, {"k3", {42}}};
  const auto small = dir / "part-00000";
  detail::write_checkpoint(data, small);
  // A large one (about 64 KB): every k-th byte, at least 64 positions.
  const auto large = dir / "part-00001";
  detail::write_checkpoint(skewed_pairs(8000, 1000), large);
  for (const auto& f : {small, large}) {
    const auto original = part_file_bytes(f);
    const auto variants = damaged_copies(original);
    EXPECT_GE(variants.size(), std::min<std::size_t>(original.size(), 50));
    for (const auto& v : variants) {
      put_part_file_bytes(f, v.bytes);
      if (f == small)
        expect_part_file_error<StrVec>(f, v.what);
      else
        expect_part_file_error<std::pair<int, int>>(f, v.what);
    }
    // One byte too many.
    put_part_file_bytes(f, original + '\0');
    expect_part_file_error<StrVec>(f, "a trailing byte");
    put_part_file_bytes(f, original);
  }
  EXPECT_EQ(detail::read_checkpoint<StrVec>(small), data);
  std::filesystem::remove_all(dir);
}

TEST(CheckpointPartFile, AValidFrameAroundBadContentsOrTheOldFormatIsStillAnError) {
  const auto dir = fresh_dir("part-file-contents");
  const auto f = dir / "part-00000";
  std::filesystem::create_directories(dir);
  auto with_payload = [&](const std::string& payload) {
    put_part_file_bytes(f, detail::frame(detail::kCheckpointPartFile, payload));
  };
  auto u64 = [](std::uint64_t v) { return std::string(reinterpret_cast<const char*>(&v), 8); };
  // Three records announced, one present.
  with_payload(u64(3) + std::string(8, '\1'));
  expect_part_file_error<std::pair<int, int>>(f, "records missing");
  // One record announced, two present: trailing bytes are an error too.
  with_payload(u64(1) + std::string(16, '\1'));
  try {
    detail::read_checkpoint<std::pair<int, int>>(f);
    ADD_FAILURE() << "trailing bytes accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("trailing bytes"), std::string::npos) << e.what();
  }
  // The unchecked format of earlier builds.
  put_part_file_bytes(f, "RILLCKP1" + u64(1) + std::string(8, '\1'));
  expect_part_file_error<std::pair<int, int>>(f, "old format");
  // Another checked file's kind.
  put_part_file_bytes(f, detail::frame({"RILLMETA", 3, "checkpoint metadata"}, u64(0)));
  expect_part_file_error<std::pair<int, int>>(f, "metadata magic");
  std::filesystem::remove(f);
  expect_part_file_error<std::pair<int, int>>(f, "missing file");
  std::filesystem::remove_all(dir);
}

TEST(CheckpointPartFile, AJobReadingAFlippedPartFileFailsWithItsPath) {
  const auto dir = fresh_dir("part-file-job");
  {
    Context ctx(Config{.parallelism = 2, .max_task_attempts = 1, .checkpoint_dir = dir.string()});
    auto rdd = ctx.parallelize(skewed_pairs(500, 40), 3).reduce_by_key(std::plus<>{});
    rdd.checkpoint();
    const auto want = sorted(rdd.collect());
    ASSERT_TRUE(rdd.is_checkpointed());
    const auto f = dir / ("rdd-" + std::to_string(rdd.id())) / "part-00001";
    const auto original = part_file_bytes(f);
    ASSERT_GT(original.size(), detail::kFrameOverhead + 8);
    // The first record's value: without the checksum this read back a wrong sum.
    auto flipped = original;
    flipped[detail::kFrameOverhead - 8 + 8 + 4] ^= 1;
    put_part_file_bytes(f, flipped);
    try {
      rdd.collect();
      ADD_FAILURE() << "a flipped part file was read without error";
    } catch (const std::exception& e) {
      EXPECT_NE(std::string(e.what()).find(f.string()), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("checksum mismatch"), std::string::npos) << e.what();
    }
    put_part_file_bytes(f, original);
    EXPECT_EQ(sorted(rdd.collect()), want);
  }
  std::filesystem::remove_all(dir);
}

TEST(CheckpointPartFile, BackgroundCheckpointsWriteCheckedFilesToo) {
  const auto dir = fresh_dir("part-file-async");
  Context ctx(Config{.parallelism = 2});
  auto rdd = ctx.parallelize(skewed_pairs(300, 20), 2).reduce_by_key(std::plus<>{}).cache();
  rdd.node().enable_checkpoint(
      dir, &detail::write_checkpoint<std::pair<int, int>, detail::Durability::within_run>,
      &detail::read_checkpoint<std::pair<int, int>>, true);
  const auto want = sorted(rdd.collect());
  ctx.state()->checkpoint_writer().drain();
  std::vector<std::pair<int, int>> back;
  for (std::size_t p = 0; p < 2; ++p) {
    const auto f = rdd.node().checkpoint_file(p);
    EXPECT_EQ(part_file_bytes(f).substr(0, 8), "RILLPART") << f;
    auto part = detail::read_checkpoint<std::pair<int, int>>(f);
    back.insert(back.end(), part.begin(), part.end());
  }
  EXPECT_EQ(sorted(back), want);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace rill::test
