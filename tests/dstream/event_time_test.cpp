// Event time on DStreams (API.md "Event time"): with_watermark, late records, and
// event-time windows in append and update mode, each batch checked against a serial
// reference that follows API.md's definitions record by record (no panes).
#include "dstream/stream_test_support.hpp"

namespace rill::test::event_time {

// A record: (event time in ms, key). Its value in sums is derived from its time.
using Rec = std::pair<std::int64_t, int>;
using KV = std::pair<int, long>;
using Out = Windowed<KV>;

long value_of(const Rec& r) {
  return static_cast<long>(((r.first % 7) + 7) % 7 + 1);
}

// API.md's semantics, batch by batch, one record at a time.
struct Reference {
  std::int64_t length, slide, delay;
  OutputMode mode;
  std::optional<std::int64_t> wm, max_seen;
  std::optional<std::int64_t> prev_eff;
  std::map<std::pair<std::int64_t, int>, long> open;  // (window k, key) -> value
  std::set<std::pair<std::int64_t, int>> emitted;     // append: emitted once

  struct Batch {
    std::vector<Out> out;
    std::vector<Rec> late;
    Time watermark;  // in effect
  };

  static std::int64_t floor_div(std::int64_t a, std::int64_t b) {
    return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0);
  }
  Out window_out(std::int64_t k, int key, long v) const {
    return {Time{k * slide}, Time{k * slide + length}, {key, v}};
  }

  Batch run(const std::vector<Rec>& records) {
    Batch b;
    const auto eff = wm;
    b.watermark = eff ? Time{*eff} : Time::min();
    std::set<std::pair<std::int64_t, int>> touched;
    for (const auto& r : records) {
      if (eff && r.first < *eff) {
        b.late.push_back(r);
        continue;
      }
      // Every window [k*slide, k*slide + length) holding the record's time.
      for (auto k = floor_div(r.first, slide); k * slide + length > r.first; --k) {
        open[{k, r.second}] += value_of(r);
        touched.insert({k, r.second});
      }
    }
    if (mode == OutputMode::update)
      for (auto& kk : touched) b.out.push_back(window_out(kk.first, kk.second, open[kk]));
    if (eff) {
      for (auto it = open.begin(); it != open.end();) {
        if (it->first.first * slide + length <= *eff) {
          if (mode == OutputMode::append && emitted.insert(it->first).second)
            b.out.push_back(window_out(it->first.first, it->first.second, it->second));
          it = open.erase(it);
        } else {
          ++it;
        }
      }
    }
    for (const auto& r : records) max_seen = std::max(max_seen.value_or(r.first), r.first);
    if (max_seen) wm = std::max(wm.value_or(*max_seen - delay), *max_seen - delay);
    std::sort(b.out.begin(), b.out.end());
    std::sort(b.late.begin(), b.late.end());
    return b;
  }
};

// Out-of-order input around the batch's time, with records exactly on window boundaries,
// exactly at the watermark in effect (not late) and just below it (late).
std::vector<std::vector<Rec>> make_input(int batches, std::int64_t interval, std::int64_t slide,
                                         std::int64_t length, std::int64_t delay, unsigned seed,
                                         int keys = 3) {
  std::mt19937 rng(seed);
  Reference probe{length, slide, delay, OutputMode::append, {}, {}, {}, {}, {}};
  std::vector<std::vector<Rec>> out;
  for (int b = 0; b < batches; ++b) {
    std::vector<Rec> recs;
    if (b % 5 != 3) {  // some empty batches
      const std::int64_t now = (b + 1) * interval;
      const int n = 2 + static_cast<int>(rng() % static_cast<unsigned>(2 * keys));
      for (int i = 0; i < n; ++i) {
        const auto back = static_cast<std::int64_t>(rng() % static_cast<unsigned>(3 * delay + 1));
        recs.emplace_back(now - back, static_cast<int>(rng() % static_cast<unsigned>(keys)));
      }
      recs.emplace_back(now / slide * slide, 1);                      // on a window start
      recs.emplace_back((now - length) / slide * slide + length, 2);  // on a window end
      if (probe.wm) {
        recs.emplace_back(*probe.wm, 0);      // exactly at the watermark: not late
        recs.emplace_back(*probe.wm - 1, 1);  // just below: late
      }
      std::shuffle(recs.begin(), recs.end(), rng);
    }
    probe.run(recs);
    out.push_back(std::move(recs));
  }
  return out;
}

struct Case {
  std::int64_t interval, length, slide, delay;
  int keys = 3;
  std::int64_t partitions = 3;  // of each input batch
  int reducers = 4;             // Config::default_partitions: the window state's partitions
};

void check_against_reference(const Case& c, OutputMode mode, int batches, unsigned seed) {
  SCOPED_TRACE("interval " + std::to_string(c.interval) + " length " + std::to_string(c.length) +
               " slide " + std::to_string(c.slide) + " delay " + std::to_string(c.delay) +
               (mode == OutputMode::append ? " append" : " update"));
  const auto input = make_input(batches, c.interval, c.slide, c.length, c.delay, seed, c.keys);
  StreamHarness h{Duration{c.interval}, Config{.parallelism = 2, .default_partitions = c.reducers}};
  TempDir dir;
  h.ssc.checkpoint(dir.str());
  auto timed = h.ssc.queue_stream(h.queue_of(input, c.partitions))
                   .with_watermark([](const Rec& r) { return Time{r.first}; }, Duration{c.delay});
  auto sums =
      timed.map([](const Rec& r) {
             return KV{r.second, value_of(r)};
           })
          .reduce_by_key_and_window(std::plus<>{}, Duration{c.length}, Duration{c.slide}, mode);
  Collector<Out> got(sums);
  Collector<Rec> late(timed.late_records());
  Collector<Time> wms(timed.watermarks());
  h.ssc.start();
  h.run_batches(batches);
  h.ssc.stop(false, true);

  Reference ref{c.length, c.slide, c.delay, mode, {}, {}, {}, {}, {}};
  auto g = got.batches();
  auto l = late.batches();
  auto w = wms.batches();
  ASSERT_EQ(w.size(), static_cast<std::size_t>(batches));
  std::size_t emitted = 0, late_total = 0;
  for (int b = 0; b < batches; ++b) {
    const Time t{(b + 1) * c.interval};
    SCOPED_TRACE("batch " + std::to_string(t.count()) + " ms");
    auto expect = ref.run(input[static_cast<std::size_t>(b)]);
    EXPECT_EQ(w[t], std::vector<Time>{expect.watermark});
    EXPECT_EQ(l[t], expect.late);
    EXPECT_EQ(g[t], expect.out);
    emitted += expect.out.size();
    late_total += expect.late.size();
  }
  // The input exercises what it is meant to.
  EXPECT_GT(emitted, 10u);
  EXPECT_GT(late_total, 5u);
}

TEST(EventTime, WindowsMatchReferenceInBothModes) {
  const std::vector<Case> cases{
      {100, 300, 300, 150},  // tumbling: length = slide
      {100, 600, 100, 250},  // length = 6 x slide
      {100, 250, 70, 100},   // slide does not divide the interval, nor it the slide
      {100, 500, 250, 0},    // the interval does not divide the slide; no delay
      {70, 200, 200, 130},   // the slide is not a multiple of the interval
  };
  unsigned seed = 5;
  for (const auto& c : cases)
    for (auto mode : {OutputMode::append, OutputMode::update})
      check_against_reference(c, mode, 24, seed++);
}

TEST(EventTime, ManyKeysOverManyPartitionsMatchReference) {
  // Keys spread over the 4 reducers, inputs of 7 and of 1 partition (some empty).
  check_against_reference({100, 600, 200, 300, 40, 7}, OutputMode::append, 20, 77);
  check_against_reference({100, 600, 200, 300, 40, 1}, OutputMode::update, 20, 78);
}

TEST(EventTime, SkewedKeysAndEmptyPartitionsMatchReference) {
  // Mostly one key: its panes all live on one of 8 state partitions, most of the others
  // stay empty; inputs of 16 partitions for ~10 records, so most map tasks are empty too.
  check_against_reference({100, 600, 200, 300, 1, 16, 8}, OutputMode::append, 20, 91);
  check_against_reference({100, 300, 100, 200, 1, 16, 8}, OutputMode::update, 20, 92);
  // One state partition for many keys.
  check_against_reference({100, 400, 100, 200, 30, 5, 1}, OutputMode::append, 20, 93);
}

TEST(EventTime, CountByWindowNeverEmitsZero) {
  const std::vector<std::vector<Rec>> input{
      {{50, 0}, {120, 1}, {10, 2}}, {}, {{400, 0}, {399, 0}}, {{30, 1}}, {}, {{1000, 2}}, {}};
  StreamHarness h;
  TempDir dir;
  h.ssc.checkpoint(dir.str());
  auto timed = h.ssc.queue_stream(h.queue_of(input))
                   .with_watermark([](const Rec& r) { return Time{r.first}; }, 100ms);
  Collector<Windowed<std::int64_t>> counts(timed.count_by_window(200ms, 100ms));
  Collector<Windowed<std::int64_t>> updates(
      timed.count_by_window(200ms, 100ms, OutputMode::update));
  h.ssc.start();
  h.run_batches(static_cast<int>(input.size()));
  h.ssc.stop();
  using W = Windowed<std::int64_t>;
  // Watermark after batch 100: 20; after 300: 300 (then 30 is late); after 600: 900.
  auto c = counts.batches();
  EXPECT_TRUE(c[100ms].empty());
  EXPECT_TRUE(c[200ms].empty());  // 20 closes no window
  EXPECT_TRUE(c[300ms].empty());
  // In effect for 400 ms: 300. Windows ending <= 300: [-100,100) 2, [0,200) 3, [100,300) 1.
  EXPECT_EQ(c[400ms], (std::vector<W>{{-100ms, 100ms, 2}, {0ms, 200ms, 3}, {100ms, 300ms, 1}}));
  EXPECT_TRUE(c[500ms].empty());
  EXPECT_TRUE(c[600ms].empty());
  // In effect for 700 ms: 900: [200,400), [300,500), [400,600) close; [900,..) stays open.
  EXPECT_EQ(c[700ms], (std::vector<W>{{200ms, 400ms, 1}, {300ms, 500ms, 2}, {400ms, 600ms, 1}}));
  auto u = updates.batches();
  EXPECT_EQ(u[100ms], (std::vector<W>{{-100ms, 100ms, 2}, {0ms, 200ms, 3}, {100ms, 300ms, 1}}));
  EXPECT_EQ(u[300ms], (std::vector<W>{{200ms, 400ms, 1}, {300ms, 500ms, 2}, {400ms, 600ms, 1}}));
  EXPECT_TRUE(u[400ms].empty());  // 30 is late
  EXPECT_EQ(u[600ms], (std::vector<W>{{900ms, 1100ms, 1}, {1000ms, 1200ms, 1}}));
}

TEST(EventTime, FilterKeepsTimesAndTheWatermarkSeesEveryRecord) {
  // Key 1 is filtered out, yet its times move the watermark that the key-0 stream uses.
  const std::vector<std::vector<Rec>> input{{{100, 0}, {900, 1}}, {{500, 0}, {850, 0}}, {}};
  StreamHarness h;
  TempDir dir;
  h.ssc.checkpoint(dir.str());
  auto timed = h.ssc.queue_stream(h.queue_of(input))
                   .with_watermark([](const Rec& r) { return Time{r.first}; }, 100ms);
  auto zeros = timed.filter([](const Rec& r) { return r.second == 0; });
  auto doubled = zeros.flat_map([](const Rec& r) { return std::vector<Rec>{r, r}; });
  Collector<Rec> late(doubled.late_records());
  Collector<Rec> all(doubled.stream());
  Collector<Time> wms(doubled.watermarks());
  h.ssc.start();
  h.run_batches(3);
  h.ssc.stop();
  EXPECT_EQ(wms.in_order(), (std::vector<std::vector<Time>>{{Time::min()}, {800ms}, {800ms}}));
  EXPECT_EQ(late.batches()[200ms], (std::vector<Rec>{{500, 0}, {500, 0}}));
  EXPECT_TRUE(late.batches()[100ms].empty());
  // stream() has every record, late ones too.
  EXPECT_EQ(all.batches()[200ms], (std::vector<Rec>{{500, 0}, {500, 0}, {850, 0}, {850, 0}}));
}

// The watermark takes its statistics in the pass that feeds the window, and the tagged
// records are not cached: a pass of its own would tag them again, so the timestamp
// function runs exactly once per record, in both modes.
TEST(EventTime, TheTimestampFunctionRunsOncePerRecordThroughAWindow) {
  for (auto mode : {OutputMode::append, OutputMode::update}) {
    SCOPED_TRACE(mode == OutputMode::append ? "append" : "update");
    const auto input = make_input(12, 100, 50, 200, 150, 7);
    std::size_t records = 0;
    for (const auto& b : input) records += b.size();
    StreamHarness h{100ms, Config{.parallelism = 2, .default_partitions = 3}};
    TempDir dir;
    h.ssc.checkpoint(dir.str());
    auto calls = std::make_shared<std::atomic<std::size_t>>(0);
    auto timed = h.ssc.queue_stream(h.queue_of(input, 4))
                     .with_watermark(
                         [calls](const Rec& r) {
                           ++*calls;
                           return Time{r.first};
                         },
                         150ms);
    auto sums = timed.map([](const Rec& r) {
                       return KV{r.second, value_of(r)};
                     })
                    .reduce_by_key_and_window(std::plus<>{}, 200ms, 50ms, mode);
    Collector<Out> got(sums);
    h.ssc.start();
    h.run_batches(12);
    h.ssc.stop(false, true);
    EXPECT_EQ(calls->load(), records);
    // Only the window reads the tagged records, so its map reads them straight from the
    // tagging pass (TimedMapRdd) and, in append mode, the window's add pass straight from
    // the map; the reference tests above read them cached.
    Reference ref{200, 50, 150, mode, {}, {}, {}, {}, {}};
    auto g = got.batches();
    for (int b = 0; b < 12; ++b)
      EXPECT_EQ(g[Time{100 * (b + 1)}], ref.run(input[static_cast<std::size_t>(b)]).out)
          << "batch " << b;
  }
}

// The window's add pass reads its input as (times, values) chunks from the map when the
// map's batches are not cached, as tagged pairs when they are (a second reader here):
// both give the reference's windows, and the second reader every record.
TEST(EventTime, AWindowOverACachedMapMatchesTheReference) {
  for (auto mode : {OutputMode::append, OutputMode::update}) {
    SCOPED_TRACE(mode == OutputMode::append ? "append" : "update");
    const auto input = make_input(12, 100, 50, 200, 150, 11);
    StreamHarness h{100ms, Config{.parallelism = 2, .default_partitions = 3}};
    TempDir dir;
    h.ssc.checkpoint(dir.str());
    auto kvs = h.ssc.queue_stream(h.queue_of(input, 4))
                   .with_watermark([](const Rec& r) { return Time{r.first}; }, 150ms)
                   .map([](const Rec& r) {
                     return KV{r.second, value_of(r)};
                   });
    Collector<Out> got(kvs.reduce_by_key_and_window(std::plus<>{}, 200ms, 50ms, mode));
    Collector<KV> all(kvs.stream());
    h.ssc.start();
    h.run_batches(12);
    h.ssc.stop(false, true);
    Reference ref{200, 50, 150, mode, {}, {}, {}, {}, {}};
    auto g = got.batches();
    auto a = all.batches();
    for (int b = 0; b < 12; ++b) {
      const auto& in = input[static_cast<std::size_t>(b)];
      std::vector<KV> expect;
      for (const auto& r : in) expect.emplace_back(r.second, value_of(r));
      std::sort(expect.begin(), expect.end());
      EXPECT_EQ(a[Time{100 * (b + 1)}], expect) << "batch " << b;
      EXPECT_EQ(g[Time{100 * (b + 1)}], ref.run(in).out) << "batch " << b;
    }
  }
}

// With no output that reads the records, the watermark still moves: what no task read
// is read for it (a job of its own, only then).
TEST(EventTime, TheWatermarkMovesWhenNoOutputReadsTheRecords) {
  const std::vector<std::vector<Rec>> input{{{100, 0}, {900, 1}}, {{500, 0}}, {{1500, 2}}, {}};
  StreamHarness h;
  TempDir dir;
  h.ssc.checkpoint(dir.str());
  auto timed = h.ssc.queue_stream(h.queue_of(input, 2))
                   .with_watermark([](const Rec& r) { return Time{r.first}; }, 100ms);
  Collector<Time> wms(timed.watermarks());
  h.ssc.start();
  h.run_batches(4);
  h.ssc.stop();
  EXPECT_EQ(wms.in_order(),
            (std::vector<std::vector<Time>>{{Time::min()}, {800ms}, {800ms}, {1400ms}}));
}

TEST(EventTime, IdleStreamKeepsNoWatermarkAndEmitsNothing) {
  StreamHarness h;
  TempDir dir;
  h.ssc.checkpoint(dir.str());
  auto timed = h.ssc.queue_stream(h.queue_of(std::vector<std::vector<Rec>>{}))
                   .with_watermark([](const Rec& r) { return Time{r.first}; }, 0ms);
  auto windows = timed.count_by_window(100ms, 100ms);
  Collector<Windowed<std::int64_t>> counts(windows);
  windows.print();  // Windowed has a text form
  Collector<Time> wms(timed.watermarks());
  Collector<Rec> late(timed.late_records());
  h.ssc.start();
  h.run_batches(5);
  h.ssc.stop();
  EXPECT_EQ(wms.in_order(), std::vector<std::vector<Time>>(5, {Time::min()}));
  for (auto& [t, v] : counts.batches()) EXPECT_TRUE(v.empty()) << t.count();
  for (auto& [t, v] : late.batches()) EXPECT_TRUE(v.empty()) << t.count();
}

TEST(EventTime, OpenWindowsAreNotEmittedAtGracefulStop) {
  const std::vector<std::vector<Rec>> input{{{10, 0}, {150, 0}}, {{260, 0}}};
  StreamHarness h;
  TempDir dir;
  h.ssc.checkpoint(dir.str());
  auto timed = h.ssc.queue_stream(h.queue_of(input))
                   .with_watermark([](const Rec& r) { return Time{r.first}; }, 50ms);
  Collector<Windowed<std::int64_t>> counts(timed.count_by_window(100ms, 100ms));
  h.ssc.start();
  h.run_batches(3);  // in effect for 300 ms: 210, which closes [0,100) and [100,200)
  h.ssc.stop(false, true);
  std::vector<Windowed<std::int64_t>> all;
  for (auto& [t, v] : counts.batches()) all.insert(all.end(), v.begin(), v.end());
  EXPECT_EQ(all, (std::vector<Windowed<std::int64_t>>{{0ms, 100ms, 1}, {100ms, 200ms, 1}}));
}

TEST(EventTime, BadArgumentsAreRejectedAtDefinition) {
  StreamHarness h;
  auto in = h.ssc.queue_stream(h.queue_of(std::vector<std::vector<Rec>>{}));
  auto ts = [](const Rec& r) { return Time{r.first}; };
  auto expect_invalid = [](auto&& fn, const std::string& needle) {
    try {
      fn();
      ADD_FAILURE() << "no exception; expected one naming " << needle;
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  expect_invalid([&] { in.with_watermark(ts, -5ms); }, "-5 ms");
  auto timed = in.with_watermark(ts, 0ms);
  expect_invalid([&] { timed.count_by_window(0ms, 0ms); }, "0 ms");
  expect_invalid([&] { timed.count_by_window(100ms, -1ms); }, "-1 ms");
  expect_invalid([&] { timed.count_by_window(100ms, 200ms); }, "200 ms");
  auto kv = timed.map([](const Rec& r) { return KV{r.second, 1}; });
  expect_invalid([&] { kv.reduce_by_key_and_window(std::plus<>{}, -7ms, 1ms); }, "-7 ms");
}

TEST(EventTime, NeedsACheckpointDirectory) {
  StreamHarness h;
  auto timed = h.ssc.queue_stream(h.queue_of(std::vector<std::vector<Rec>>{}))
                   .with_watermark([](const Rec& r) { return Time{r.first}; }, 0ms);
  timed.stream().foreach_rdd([](const Rdd<Rec>&) {});
  try {
    h.ssc.start();
    ADD_FAILURE() << "start() without ssc.checkpoint(dir)";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("with_watermark"), std::string::npos) << e.what();
  }
  h.ssc.stop();
}

TEST(EventTime, ThrowingTimestampFunctionFailsTheBatch) {
  StreamHarness h;
  TempDir dir;
  h.ssc.checkpoint(dir.str());
  auto timed = h.ssc.queue_stream(h.queue_of(std::vector<std::vector<Rec>>{{{1, 0}}}))
                   .with_watermark(
                       [](const Rec&) -> Time { throw std::runtime_error("bad timestamp"); }, 0ms);
  timed.stream().foreach_rdd([](const Rdd<Rec>&) {});
  h.ssc.start();
  h.run_batches(1);
  try {
    h.ssc.await_termination();
    ADD_FAILURE() << "no failure";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("bad timestamp"), std::string::npos) << e.what();
  }
  h.ssc.stop();
}

TEST(EventTime, StateIsFreedOnceTheWatermarkPassesAWindowsEnd) {
  for (auto mode : {OutputMode::append, OutputMode::update}) {
    const std::vector<std::vector<Rec>> input{{{10, 0}, {20, 1}}, {{500, 0}}, {}, {}};
    StreamHarness h;
    TempDir dir;
    h.ssc.checkpoint(dir.str());
    h.ssc.remember(10s);  // keep every batch's state for the checks below
    auto timed = h.ssc.queue_stream(h.queue_of(input))
                     .with_watermark([](const Rec& r) { return Time{r.first}; }, 0ms);
    auto sums = timed.map([](const Rec& r) {
                       return KV{r.second, 1};
                     })
                    .reduce_by_key_and_window(std::plus<>{}, 100ms, 100ms, mode);
    sums.foreach_rdd([](const Rdd<Out>&) {});
    auto state = std::dynamic_pointer_cast<
        detail::DStreamNode<std::pair<int, std::pair<std::int64_t, long>>>>(
        sums.node().parents().at(0));
    ASSERT_TRUE(state);
    h.ssc.start();
    // The state is updated in place: it is read after each batch, before the next one.
    std::vector<std::size_t> keys;
    for (int b = 1; b <= 4; ++b) {
      h.run_batches(1);
      std::set<int> distinct;
      const auto t = h.clock->now();
      for (auto& e : state->slice(t, t).at(0).collect()) distinct.insert(e.first);
      keys.push_back(distinct.size());
    }
    h.ssc.stop();
    EXPECT_EQ(keys[0], 2u);  // keys 0 and 1
    EXPECT_EQ(keys[1], 2u);  // watermark in effect 20: nothing passed yet
    EXPECT_EQ(keys[2], 1u);  // 500: [0,100) is done, only key 0's [500,600) is left
    EXPECT_EQ(keys[3], 1u);
  }
}

TEST(EventTime, WindowedPrintsAsStartEndAndValue) {
  EXPECT_EQ(detail::to_text(Out{0ms, 200ms, {1, 3}}), "([0,200),(1,3))");
  EXPECT_EQ(detail::to_text(Windowed<std::int64_t>{-100ms, 100ms, 2}), "([-100,100),2)");
  EXPECT_LT((Out{0ms, 200ms, {1, 3}}), (Out{0ms, 200ms, {2, 1}}));
  EXPECT_LT((Out{0ms, 200ms, {9, 9}}), (Out{100ms, 200ms, {1, 1}}));
}

// Per-batch results of the recovery pipeline, shared by the run before and after a crash.
struct RecoveryOutputs {
  std::mutex m;
  std::map<Time, std::vector<Out>> append, update;
  std::map<Time, std::vector<Rec>> late;
  std::map<Time, std::vector<Time>> watermarks;
};

StreamingContext build_event_time(Context ctx, std::shared_ptr<ManualClock> clock,
                                  const std::vector<std::vector<Rec>>& data, std::size_t first,
                                  RecoveryOutputs& out,
                                  std::function<void(Time)> first_output = {}) {
  StreamingContext ssc(ctx, 100ms, clock);
  std::deque<Rdd<Rec>> q;
  for (std::size_t i = first; i < data.size(); ++i) q.push_back(ctx.parallelize(data[i], 2));
  auto timed = ssc.queue_stream(std::move(q))
                   .with_watermark([](const Rec& r) { return Time{r.first}; }, 150ms);
  if (first_output)
    timed.stream().foreach_rdd([first_output](const auto&, Time t) { first_output(t); });
  auto kv = timed.map([](const Rec& r) { return KV{r.second, value_of(r)}; });
  auto record = [&out](auto member) {
    return [&out, member](const auto& rdd, Time t) {
      auto v = sorted(rdd.collect());
      std::lock_guard lock(out.m);
      (out.*member)[t] = std::move(v);
    };
  };
  kv.reduce_by_key_and_window(std::plus<>{}, 400ms, 100ms)
      .foreach_rdd(record(&RecoveryOutputs::append));
  kv.reduce_by_key_and_window(std::plus<>{}, 300ms, 300ms, OutputMode::update)
      .foreach_rdd(record(&RecoveryOutputs::update));
  timed.late_records().foreach_rdd(record(&RecoveryOutputs::late));
  timed.watermarks().foreach_rdd(record(&RecoveryOutputs::watermarks));
  return ssc;
}

class EventTimeRecovery : public ::testing::TestWithParam<int> {};

// GetParam(): batches completed before the crash. Windows, late records and watermarks
// after get_or_create equal an uninterrupted run's (the serial reference).
TEST_P(EventTimeRecovery, WatermarkAndWindowsContinueAfterACrash) {
  const int crash_after = GetParam();
  constexpr int kTotal = 18;
  const auto data = make_input(kTotal, 100, 100, 400, 150, 21);
  TempDir dir;
  Context ctx(Config{.parallelism = 2});
  RecoveryOutputs first, second;
  {
    auto clock = std::make_shared<ManualClock>();
    auto ssc = StreamingContext::get_or_create(
        dir.str(), [&] { return build_event_time(ctx, clock, data, 0, first); });
    ssc.start();
    for (int i = 1; i <= crash_after; ++i) {
      clock->advance(100ms);
      ssc.await_batch_completed(Time{100 * i});
    }
  }  // crash: destroyed without a graceful stop
  const int restart_at = crash_after + 3;
  auto clock = std::make_shared<ManualClock>(Time{100 * restart_at + 40});
  auto ssc = StreamingContext::get_or_create(dir.str(), [&] {
    return build_event_time(ctx, clock, data, static_cast<std::size_t>(crash_after), second);
  });
  ssc.start();
  ssc.await_batch_completed(Time{100 * restart_at});
  for (int i = restart_at + 1; i <= kTotal; ++i) {
    clock->advance(100ms);
    ssc.await_batch_completed(Time{100 * i});
  }
  ssc.stop();

  Reference append{400, 100, 150, OutputMode::append, {}, {}, {}, {}, {}};
  Reference update{300, 300, 150, OutputMode::update, {}, {}, {}, {}, {}};
  std::lock_guard lock1(first.m), lock2(second.m);
  for (int i = 1; i <= kTotal; ++i) {
    const Time t{100 * i};
    SCOPED_TRACE("batch " + std::to_string(t.count()) + " ms");
    auto& out = i <= crash_after ? first : second;
    const auto& recs = data[static_cast<std::size_t>(i - 1)];
    auto a = append.run(recs);
    auto u = update.run(recs);
    EXPECT_EQ(out.append[t], a.out);
    EXPECT_EQ(out.update[t], u.out);
    EXPECT_EQ(out.late[t], a.late);
    EXPECT_EQ(out.watermarks[t], std::vector<Time>{a.watermark});
  }
}

INSTANTIATE_TEST_SUITE_P(CrashPoints, EventTimeRecovery, ::testing::Values(1, 4, 7));

// Counts submitted batches, so a test can wait until the generator has run ahead.
class SubmittedCounter final : public StreamingListener {
 public:
  void on_batch_submitted(const BatchInfo&) override {
    std::lock_guard lock(m_);
    ++n_;
    cv_.notify_all();
  }
  void wait_for(int n) {
    std::unique_lock lock(m_);
    cv_.wait(lock, [&] { return n_ >= n; });
  }

 private:
  std::mutex m_;
  std::condition_variable cv_;
  int n_ = 0;
};

// In recovery mode (get_or_create) each batch's window state is checkpointed by a job of
// that batch. When batches are generated ahead of their jobs (a backlog on the system
// clock, or a restart generating its downtime's batches at once), later batches have
// advanced the state before that job runs: it must still checkpoint the state after its
// own batch. Found by the kill -9 test; here the first batch's first output blocks until
// three more batches were generated.
TEST(EventTimeRecovery, EveryBatchIsCheckpointedWhenGenerationRunsAhead) {
  constexpr int kTotal = 4;
  const auto data = make_input(kTotal, 100, 100, 400, 150, 5);
  TempDir dir;
  Context ctx(Config{.parallelism = 2});
  RecoveryOutputs out;
  auto clock = std::make_shared<ManualClock>();
  std::mutex m;
  std::condition_variable cv;
  bool released = false;
  SubmittedCounter submitted;
  auto ssc = StreamingContext::get_or_create(dir.str(), [&] {
    return build_event_time(ctx, clock, data, 0, out, [&](Time t) {
      std::unique_lock lock(m);
      if (t == Time{100}) cv.wait(lock, [&] { return released; });
    });
  });
  ssc.add_listener(submitted);
  ssc.start();
  for (int i = 1; i <= kTotal; ++i) clock->advance(100ms);
  submitted.wait_for(kTotal);
  {
    std::lock_guard lock(m);
    released = true;
  }
  cv.notify_all();
  ssc.await_batch_completed(Time{100 * kTotal});
  // A failed checkpoint job fails its batch; the outputs before it are still right, so
  // the error is what shows it.
  EXPECT_NO_THROW(ssc.await_termination_or_timeout(Duration{0}));
  ssc.stop();

  Reference append{400, 100, 150, OutputMode::append, {}, {}, {}, {}, {}};
  std::lock_guard lock(out.m);
  for (int i = 1; i <= kTotal; ++i) {
    SCOPED_TRACE("batch " + std::to_string(100 * i) + " ms");
    const auto a = append.run(data[static_cast<std::size_t>(i - 1)]);
    EXPECT_EQ(out.append[Time{100 * i}], a.out);
    EXPECT_EQ(out.late[Time{100 * i}], a.late);
  }
}

// Records every completed batch's BatchInfo.
class BatchRecorder final : public StreamingListener {
 public:
  void on_batch_completed(const BatchInfo& info) override {
    std::lock_guard lock(m_);
    infos_[info.batch_time] = info;
  }
  std::map<Time, BatchInfo> infos() const {
    std::lock_guard lock(m_);
    return infos_;
  }

 private:
  mutable std::mutex m_;
  std::map<Time, BatchInfo> infos_;
};

TEST(EventTime, BatchInfoCountsLateRecordsAndTakesTheSmallestWatermark) {
  const std::vector<std::vector<Rec>> input{{}, {{500, 0}}, {{100, 0}, {350, 1}}};
  StreamHarness h;
  TempDir dir;
  h.ssc.checkpoint(dir.str());
  BatchRecorder rec;
  h.ssc.add_listener(rec);
  auto in = h.ssc.queue_stream(h.queue_of(input));
  auto ts = [](const Rec& r) { return Time{r.first}; };
  auto a = in.with_watermark(ts, 100ms);
  auto b = in.with_watermark(ts, 300ms);
  a.late_records().foreach_rdd([](const Rdd<Rec>&) {});
  b.late_records().foreach_rdd([](const Rdd<Rec>&) {});
  // Each with_watermark call has its own watermark.
  Collector<Time> wa(a.watermarks()), wb(b.watermarks());
  h.ssc.start();
  h.run_batches(3);
  h.ssc.stop();
  auto infos = rec.infos();
  ASSERT_EQ(infos.size(), 3u);
  EXPECT_EQ(infos[100ms].num_late_records, 0);
  EXPECT_FALSE(infos[100ms].watermark.has_value());  // no record yet
  EXPECT_EQ(infos[200ms].num_late_records, 0);
  EXPECT_EQ(infos[200ms].watermark, std::optional<Time>(200ms));  // min(400, 200)
  // 100 and 350 are below 400 (delay 100); 100 is below 200 (delay 300).
  EXPECT_EQ(infos[300ms].num_late_records, 3);
  EXPECT_EQ(infos[300ms].watermark, std::optional<Time>(200ms));
  EXPECT_EQ(wa.in_order(), (std::vector<std::vector<Time>>{{Time::min()}, {Time::min()}, {400ms}}));
  EXPECT_EQ(wb.in_order(), (std::vector<std::vector<Time>>{{Time::min()}, {Time::min()}, {200ms}}));
}

}  // namespace rill::test::event_time
