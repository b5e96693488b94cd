// PaneIndex against a std::map of the same panes: appends, prepends, gaps, the run limit
// and dropping the panes below the watermark.
#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <rill/dstream/pane_index.hpp>

namespace {

struct Slot {
  std::int64_t pane;
};

TEST(PaneIndex, FindsWhatWasInsertedAndNothingElse) {
  rill::detail::PaneIndex<Slot> index;
  std::map<std::int64_t, Slot> ref;
  for (std::int64_t p : {100, 101, 105, 99, 90, 102, 130}) {
    ref[p] = Slot{p};
    index.insert(p, &ref[p], 1000);
  }
  for (std::int64_t p = 80; p < 140; ++p) {
    const Slot* got = index.find(p);
    if (ref.count(p)) {
      ASSERT_NE(got, nullptr) << p;
      EXPECT_EQ(got->pane, p);
    } else {
      EXPECT_EQ(got, nullptr) << p;
    }
  }
}

TEST(PaneIndex, LeavesPanesBeyondTheLimitOut) {
  rill::detail::PaneIndex<Slot> index;
  Slot a{0}, far{1'000'000}, before{-1'000'000}, near{15};
  index.insert(0, &a, 16);
  index.insert(1'000'000, &far, 16);  // a wild timestamp: would need a million slots
  index.insert(-1'000'000, &before, 16);
  index.insert(15, &near, 16);
  EXPECT_EQ(index.find(0), &a);
  EXPECT_EQ(index.find(15), &near);
  EXPECT_EQ(index.find(1'000'000), nullptr);
  EXPECT_EQ(index.find(-1'000'000), nullptr);
}

TEST(PaneIndex, DropBelowForgetsOlderPanes) {
  rill::detail::PaneIndex<Slot> index;
  std::map<std::int64_t, Slot> ref;
  for (std::int64_t p = 10; p < 20; ++p) {
    ref[p] = Slot{p};
    index.insert(p, &ref[p], 100);
  }
  index.drop_below(15);
  for (std::int64_t p = 10; p < 15; ++p) EXPECT_EQ(index.find(p), nullptr) << p;
  for (std::int64_t p = 15; p < 20; ++p) EXPECT_EQ(index.find(p), &ref[p]) << p;
  index.drop_below(40);  // past every pane
  for (std::int64_t p = 10; p < 20; ++p) EXPECT_EQ(index.find(p), nullptr) << p;
  index.insert(50, &ref[19], 100);  // starts a new run
  EXPECT_EQ(index.find(50), &ref[19]);
}

}  // namespace
