// PaneWindowStack against a serial reference: every window's combination of its panes
// summed key by key from std::map copies of the panes.
#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <rill/dstream/pane_window_stack.hpp>
#include <string>
#include <vector>

namespace {

using Table = rill::detail::FlatHashMap<std::int64_t, std::int64_t>;
using Stack = rill::detail::PaneWindowStack<std::int64_t, std::int64_t>;
using Ref = std::map<std::int64_t, std::int64_t>;

// Panes as tables, and the same panes as std::maps for the reference.
struct Panes {
  std::map<std::int64_t, Table> tables;
  std::map<std::int64_t, Ref> ref;

  void add(std::int64_t pane, std::int64_t key, std::int64_t v) {
    ref[pane][key] += v;
    auto& t = tables[pane];
    if (auto* e = t.find(key))
      e->second += v;
    else
      t.insert_new(Table::hash(key), key, v);
  }
  const Table* at(std::int64_t p) const {
    auto it = tables.find(p);
    return it == tables.end() ? nullptr : &it->second;
  }
  Ref window(std::int64_t a, std::int64_t b) const {
    Ref out;
    for (auto it = ref.lower_bound(a); it != ref.end() && it->first < b; ++it)
      for (const auto& [k, v] : it->second) out[k] += v;
    return out;
  }
};

// Runs windows [a, a + n) for each a in starts; expects each to equal the reference.
void check_windows(const Panes& panes, std::int64_t n, const std::vector<std::int64_t>& starts,
                   Stack& stack) {
  auto f = std::plus<std::int64_t>{};
  for (auto a : starts) {
    Ref got;
    const bool used = stack.window(
        a, a + n, [&](std::int64_t p) { return panes.at(p); }, f,
        [&](const std::int64_t& k, std::int64_t&& v) {
          EXPECT_TRUE(got.emplace(k, v).second) << "key " << k << " visited twice";
        });
    ASSERT_TRUE(used) << "window at " << a;
    EXPECT_EQ(got, panes.window(a, a + n)) << "window [" << a << ", " << a + n << ")";
  }
}

Panes dense(std::int64_t first, std::int64_t last, std::int64_t keys) {
  Panes p;
  for (std::int64_t pane = first; pane < last; ++pane)
    for (std::int64_t k = 0; k < keys; ++k)
      if ((k * 7 + pane) % 3 != 0) p.add(pane, k, pane * 100 + k);
  return p;
}

std::vector<std::int64_t> range(std::int64_t from, std::int64_t to, std::int64_t step = 1) {
  std::vector<std::int64_t> out;
  for (auto a = from; a < to; a += step) out.push_back(a);
  return out;
}

TEST(PaneWindowStack, NoPanesVisitsNothing) {
  Panes none;
  Stack s;
  check_windows(none, 6, range(0, 20), s);
}

TEST(PaneWindowStack, OnePaneWindows) {
  auto p = dense(0, 30, 50);
  Stack s;
  check_windows(p, 1, range(0, 30), s);
}

TEST(PaneWindowStack, SlidingByOnePaneOverSixPanes) {
  auto p = dense(-10, 60, 40);
  Stack s;
  check_windows(p, 6, range(-10, 60), s);
}

TEST(PaneWindowStack, SlideOfSeveralPanesNotDividingTheLength) {
  auto p = dense(0, 100, 30);
  Stack s;
  check_windows(p, 7, range(0, 100, 3), s);
}

TEST(PaneWindowStack, GapsAndJumpsForwardAndBack) {
  Panes p;
  for (std::int64_t pane : {0, 1, 2, 9, 10, 30, 31, 32, 33, 34})
    for (std::int64_t k = 0; k < 20; ++k) p.add(pane, k * pane % 13, 1);
  Stack s;
  // Sliding, then a jump past every pane held, then back before them (a restart).
  check_windows(p, 4, {0, 1, 2, 3, 8, 9, 10, 29, 30, 31, 5, 6, 30, 31, 32}, s);
}

TEST(PaneWindowStack, SkewedKeysInFewPanes) {
  Panes p;
  for (std::int64_t pane = 0; pane < 40; ++pane) {
    p.add(pane, 0, 1000);  // one hot key in every pane
    if (pane % 5 == 0)
      for (std::int64_t k = 1; k < 200; ++k) p.add(pane, k, k);
  }
  Stack s;
  check_windows(p, 10, range(0, 40), s);
}

TEST(PaneWindowStack, GivesUpWhenSuffixesWouldOutgrowThePanes) {
  // Every key lives in one pane only: suffix aggregates hold n times the panes' keys.
  Panes p;
  for (std::int64_t pane = 0; pane < 200; ++pane)
    for (std::int64_t k = 0; k < 500; ++k) p.add(pane, pane * 1000 + k, 1);
  Stack s;
  auto f = std::plus<std::int64_t>{};
  auto at = [&](std::int64_t q) { return p.at(q); };
  std::size_t visited = 0;
  auto count = [&](const std::int64_t&, std::int64_t&&) { ++visited; };
  EXPECT_TRUE(s.window(0, 100, at, f, count));   // the first window only pushes
  EXPECT_FALSE(s.window(1, 101, at, f, count));  // the flip is over budget
  EXPECT_FALSE(s.window(2, 102, at, f, count));  // and stays given up
  EXPECT_EQ(visited, 100u * 500u);
}

// A sparse start (every key in one pane) must not keep the stack given up once the keys
// spread over many panes: it tries again when the failed window's panes have all left.
TEST(PaneWindowStack, TriesAgainOnceTheOverBudgetPanesHaveLeft) {
  Panes p;
  for (std::int64_t pane = 0; pane < 150; ++pane)
    for (std::int64_t k = 0; k < 300; ++k) p.add(pane, pane * 1000 + k, 1);
  for (std::int64_t pane = 150; pane < 400; ++pane)
    for (std::int64_t k = 0; k < 50; ++k) p.add(pane, k, pane + k);
  Stack s;
  auto f = std::plus<std::int64_t>{};
  constexpr std::int64_t n = 20;
  int given_up = 0;
  for (std::int64_t a = 0; a + n <= 400; ++a) {
    Ref got;
    const bool used = s.window(
        a, a + n, [&](std::int64_t q) { return p.at(q); }, f,
        [&](const std::int64_t& k, std::int64_t&& v) { got.emplace(k, v); });
    if (!used) {
      ++given_up;
      EXPECT_TRUE(got.empty()) << "window at " << a << " visited keys but gave up";
      EXPECT_LT(a, 150 + n) << "still given up at " << a;
      continue;
    }
    EXPECT_EQ(got, p.window(a, a + n)) << "window [" << a << ", " << a + n << ")";
  }
  EXPECT_GT(given_up, 0);
}

}  // namespace
