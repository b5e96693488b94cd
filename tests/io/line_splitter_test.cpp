#include <gtest/gtest.h>

#include <random>
#include <rill/io/line_splitter.hpp>
#include <string>
#include <vector>

namespace rill::test {
namespace {

using detail::LineSplitter;

struct Split {
  std::vector<std::string> lines;
  std::uint64_t oversized = 0;
};

// Feeds `chunks` one after the other, then ends the stream.
Split split(const std::vector<std::string_view>& chunks, std::size_t max_line_bytes) {
  LineSplitter s(max_line_bytes);
  Split out;
  auto on_line = [&](std::string_view l) { out.lines.emplace_back(l); };
  for (auto c : chunks) {
    s.feed(c, on_line);
    EXPECT_LE(s.pending_bytes(), max_line_bytes + 1);
  }
  s.finish(on_line);
  out.oversized = s.oversized_lines();
  return out;
}

// The obvious whole-input reference: split on '\n', strip one '\r', drop long lines.
Split reference(std::string_view text, std::size_t max_line_bytes) {
  Split out;
  std::size_t start = 0;
  while (start < text.size()) {
    auto nl = text.find('\n', start);
    auto end = nl == std::string_view::npos ? text.size() : nl;
    auto line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.size() > max_line_bytes) {
      ++out.oversized;
    } else {
      out.lines.emplace_back(line);
    }
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
  return out;
}

void expect_same(const Split& got, const Split& want, const std::string& what) {
  EXPECT_EQ(got.lines, want.lines) << what;
  EXPECT_EQ(got.oversized, want.oversized) << what;
}

const std::string kText =
    "alpha\n"
    "\n"
    "crlf line\r\n"
    "\r\n"
    "this line is far too long for the limit\n"
    "0123456789\n"    // exactly the limit
    "0123456789\r\n"  // exactly the limit once '\r' is stripped
    "01234567890\n"   // one byte over
    "x\ry\n"          // an inner '\r' stays
    "last without newline";

TEST(LineSplitter, EverySingleCutPositionGivesTheSameLines) {
  const auto want = reference(kText, 10);
  EXPECT_EQ(want.oversized, 3u);
  for (std::size_t cut = 0; cut <= kText.size(); ++cut) {
    std::string_view t(kText);
    expect_same(split({t.substr(0, cut), t.substr(cut)}, 10), want,
                "cut at " + std::to_string(cut));
  }
}

TEST(LineSplitter, EveryPairOfCutPositionsGivesTheSameLines) {
  const auto want = reference(kText, 10);
  std::string_view t(kText);
  for (std::size_t a = 0; a <= t.size(); ++a) {
    for (std::size_t b = a; b <= t.size(); ++b) {
      expect_same(split({t.substr(0, a), t.substr(a, b - a), t.substr(b)}, 10), want,
                  "cuts at " + std::to_string(a) + "," + std::to_string(b));
    }
  }
}

TEST(LineSplitter, OneByteAtATime) {
  std::vector<std::string_view> bytes;
  for (std::size_t i = 0; i < kText.size(); ++i)
    bytes.push_back(std::string_view(kText).substr(i, 1));
  expect_same(split(bytes, 10), reference(kText, 10), "byte by byte");
}

TEST(LineSplitter, EmptyLinesAndCrlfAreKept) {
  auto got = split({"\n\r\n\n"}, 100);
  EXPECT_EQ(got.lines, (std::vector<std::string>{"", "", ""}));
  EXPECT_EQ(got.oversized, 0u);
}

TEST(LineSplitter, CarriageReturnSplitFromItsNewline) {
  auto got = split({"abc\r", "\ndef\r", "\r\n"}, 100);
  EXPECT_EQ(got.lines, (std::vector<std::string>{"abc", "def\r"}));
}

TEST(LineSplitter, FinalLineWithoutNewlineComesAtEndOfStream) {
  LineSplitter s(100);
  std::vector<std::string> lines;
  auto on_line = [&](std::string_view l) { lines.emplace_back(l); };
  s.feed("one\ntwo", on_line);
  EXPECT_EQ(lines, (std::vector<std::string>{"one"}));
  s.finish(on_line);
  EXPECT_EQ(lines, (std::vector<std::string>{"one", "two"}));
  // Ready for the next stream: nothing of the old partial line leaks into it.
  s.feed("three\n", on_line);
  s.finish(on_line);
  EXPECT_EQ(lines, (std::vector<std::string>{"one", "two", "three"}));
}

TEST(LineSplitter, EmptyStreamAndTrailingNewlineGiveNoExtraLine) {
  EXPECT_TRUE(split({}, 10).lines.empty());
  EXPECT_TRUE(split({""}, 10).lines.empty());
  EXPECT_EQ(split({"a\n"}, 10).lines, (std::vector<std::string>{"a"}));
}

TEST(LineSplitter, ResetDropsThePartialLine) {
  LineSplitter s(100);
  std::vector<std::string> lines;
  auto on_line = [&](std::string_view l) { lines.emplace_back(l); };
  s.feed("half a li", on_line);
  s.reset();
  s.feed("whole\n", on_line);
  EXPECT_EQ(lines, (std::vector<std::string>{"whole"}));
}

TEST(LineSplitter, OversizedLineIsSkippedWithoutBufferingIt) {
  constexpr std::size_t kMax = 64;
  LineSplitter s(kMax);
  std::vector<std::string> lines;
  auto on_line = [&](std::string_view l) { lines.emplace_back(l); };
  s.feed("before\nstart of a huge line ", on_line);
  const std::string block(1000, 'z');
  for (int i = 0; i < 1000; ++i) {  // 1 MB of one line
    s.feed(block, on_line);
    ASSERT_LE(s.pending_bytes(), kMax + 1);
  }
  s.feed(" end\nafter\n", on_line);
  s.finish(on_line);
  EXPECT_EQ(lines, (std::vector<std::string>{"before", "after"}));
  EXPECT_EQ(s.oversized_lines(), 1u);
}

TEST(LineSplitter, OversizedFinalLineIsCountedAtEndOfStream) {
  auto got = split({"ok\n", std::string_view("0123456789abc")}, 10);
  EXPECT_EQ(got.lines, (std::vector<std::string>{"ok"}));
  EXPECT_EQ(got.oversized, 1u);
}

TEST(LineSplitter, RandomTextRandomChunksMatchReference) {
  std::mt19937 rng(42);
  for (int round = 0; round < 200; ++round) {
    std::string text;
    const std::size_t len = rng() % 400;
    for (std::size_t i = 0; i < len; ++i) {
      auto r = rng() % 10;
      text.push_back(r == 0 ? '\n' : r == 1 ? '\r' : static_cast<char>('a' + rng() % 26));
    }
    const std::size_t max = rng() % 40;
    std::vector<std::string_view> chunks;
    std::string_view t(text);
    while (!t.empty()) {
      auto n = std::min<std::size_t>(t.size(), rng() % 50);
      chunks.push_back(t.substr(0, n));
      t.remove_prefix(n);
    }
    expect_same(split(chunks, max), reference(text, max), "round " + std::to_string(round));
  }
}

}  // namespace
}  // namespace rill::test
