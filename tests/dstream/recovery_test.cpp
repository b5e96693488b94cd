// StreamingContext::get_or_create recovery: a run is "crashed" (the context destroyed
// without a graceful stop), a new one is built by the same factory on the same directory
// with a later clock, and its state must continue exactly as in an uninterrupted run.
#include <fstream>

#include "dstream/stream_test_support.hpp"

namespace rill::test {
namespace {

using KV = std::pair<int, int>;
using Batches = std::vector<std::vector<KV>>;

// What the pipeline printed, per output and batch time: shared by both runs.
struct Outputs {
  std::mutex m;
  std::map<Time, std::vector<KV>> counts, window, plain_window;
  std::map<Time, std::vector<std::int64_t>> count_window;
  std::vector<Time> batch_times;  // every batch run, in order, duplicates included
};

// The graph under test; `first` is the index of the first batch the queue supplies.
StreamingContext build(Context ctx, std::shared_ptr<ManualClock> clock, const Batches& data,
                       std::size_t first, Outputs& out) {
  StreamingContext ssc(ctx, 100ms, clock);
  std::deque<Rdd<KV>> q;
  for (std::size_t i = first; i < data.size(); ++i) q.push_back(ctx.parallelize(data[i], 2));
  auto in = ssc.queue_stream(std::move(q));
  auto counts = in.update_state_by_key([](const std::vector<int>& vs, std::optional<int> st) {
    int n = st.value_or(0);
    for (int v : vs) n += v;
    // Keys whose running sum reaches a multiple of 10 are removed (state removal).
    return n % 10 == 0 ? std::nullopt : std::optional<int>(n);
  });
  auto window = in.reduce_by_key_and_window(std::plus<>{}, std::minus<>{}, 400ms, 200ms);
  auto plain_window = in.window(300ms, 100ms).reduce_by_key(std::plus<>{});
  auto count_window = in.count_by_window(300ms, 100ms);
  auto record = [&out](auto member) {
    return [&out, member](const auto& rdd, Time t) {
      auto v = sorted(rdd.collect());
      std::lock_guard lock(out.m);
      (out.*member)[t] = std::move(v);
    };
  };
  counts.foreach_rdd(record(&Outputs::counts));
  window.foreach_rdd(record(&Outputs::window));
  plain_window.foreach_rdd(record(&Outputs::plain_window));
  count_window.foreach_rdd(record(&Outputs::count_window));
  in.foreach_rdd([&out](const Rdd<KV>&, Time t) {
    std::lock_guard lock(out.m);
    out.batch_times.push_back(t);
  });
  return ssc;
}

// The serial reference of an uninterrupted run over all batches.
struct Reference {
  std::map<Time, std::vector<KV>> counts, window, plain_window;
  std::map<Time, std::vector<std::int64_t>> count_window;
};
Reference reference(const Batches& data) {
  Reference r;
  std::map<int, int> state;
  std::set<int> seen;
  for (std::size_t i = 0; i < data.size(); ++i) {
    const Time t{100 * static_cast<std::int64_t>(i + 1)};
    std::map<int, int> batch;
    for (auto [k, v] : data[i]) batch[k] += v;
    for (auto [k, v] : batch) {
      state[k] += v;
      if (state[k] % 10 == 0) state.erase(k);
    }
    r.counts[t] = std::vector<KV>(state.begin(), state.end());
    auto window_sums = [&](std::size_t batches) {
      std::map<int, int> sums;
      for (std::size_t j = i + 1 >= batches ? i + 1 - batches : 0; j <= i; ++j)
        for (auto [k, v] : data[j]) sums[k] += v;
      return sums;
    };
    for (auto [k, v] : data[i]) seen.insert(k);
    if ((i + 1) % 2 == 0) {  // the inverse window keeps seen keys at 0
      auto sums = window_sums(4);
      std::vector<KV> w;
      for (int k : seen) w.emplace_back(k, sums.count(k) ? sums[k] : 0);
      r.window[t] = w;
    }
    auto sums3 = window_sums(3);
    r.plain_window[t] = std::vector<KV>(sums3.begin(), sums3.end());
    std::int64_t n = 0;
    for (std::size_t j = i + 1 >= 3 ? i - 2 : 0; j <= i; ++j) n += std::ssize(data[j]);
    r.count_window[t] = {n};
  }
  return r;
}

class Recovery : public ::testing::TestWithParam<int> {};

// GetParam(): how many batches the first run completes before the crash.
TEST_P(Recovery, StateContinuesExactlyAfterACrash) {
  const int crash_after = GetParam();
  constexpr int kTotal = 16;
  const Batches data = pair_batches(kTotal, 5, 5, 7);
  const auto want = reference(data);
  TempDir dir;
  Context ctx(Config{.parallelism = 2});
  Outputs first, second;
  {
    auto clock = std::make_shared<ManualClock>();
    auto ssc = StreamingContext::get_or_create(dir.str(),
                                               [&] { return build(ctx, clock, data, 0, first); });
    ssc.start();
    for (int i = 1; i <= crash_after; ++i) {
      clock->advance(100ms);
      ssc.await_batch_completed(Time{100 * i});
    }
    // Crash: destroyed without a graceful stop; nothing is written at destruction.
  }
  // Down for three batch intervals: the restarted context runs the missed batches at
  // once, then goes on with the clock. The queue supplies the batches from the first
  // one not completed before the crash.
  const int restart_at = crash_after + 3;
  auto clock = std::make_shared<ManualClock>(Time{100 * restart_at + 40});
  bool factory_called = false;
  auto ssc = StreamingContext::get_or_create(dir.str(), [&] {
    factory_called = true;
    return build(ctx, clock, data, static_cast<std::size_t>(crash_after), second);
  });
  EXPECT_TRUE(factory_called);
  ssc.start();
  ssc.await_batch_completed(Time{100 * restart_at});
  for (int i = restart_at + 1; i <= kTotal; ++i) {
    clock->advance(100ms);
    ssc.await_batch_completed(Time{100 * i});
  }
  ssc.stop();

  std::lock_guard lock(second.m);
  std::vector<Time> expected_times;
  for (int i = crash_after + 1; i <= kTotal; ++i) expected_times.push_back(Time{100 * i});
  EXPECT_EQ(second.batch_times, expected_times) << "no batch skipped, none run twice";
  for (int i = 1; i <= kTotal; ++i) {
    const Time t{100 * i};
    SCOPED_TRACE("batch " + std::to_string(t.count()) + " ms");
    auto& out = i <= crash_after ? first : second;
    EXPECT_EQ(out.counts[t], want.counts.at(t));
    EXPECT_EQ(out.plain_window[t], want.plain_window.at(t));
    EXPECT_EQ(out.count_window[t], want.count_window.at(t));
    if (want.window.count(t)) {
      EXPECT_EQ(out.window[t], want.window.at(t));
    } else {
      EXPECT_EQ(out.window.count(t), 0u);
    }
  }
}

// Crash after a slide of the 200 ms window and in the middle of one; early and later.
INSTANTIATE_TEST_SUITE_P(CrashPoints, Recovery, ::testing::Values(1, 4, 5, 9));

TEST(RecoveryCheckpoint, CheckpointFilesAreNamedByStreamAndBatchTimeAndStayBounded) {
  TempDir dir;
  Context ctx(Config{.parallelism = 2});
  Outputs out;
  auto clock = std::make_shared<ManualClock>();
  const Batches data = pair_batches(30, 5, 5, 3);
  auto ssc =
      StreamingContext::get_or_create(dir.str(), [&] { return build(ctx, clock, data, 0, out); });
  ssc.start();
  for (int i = 1; i <= 30; ++i) {
    clock->advance(100ms);
    ssc.await_batch_completed(Time{100 * i});
  }
  ssc.stop();
  std::size_t batch_dirs = 0;
  for (auto& e : std::filesystem::recursive_directory_iterator(dir.path))
    if (e.is_directory() && e.path().filename().string().rfind("batch-", 0) == 0) {
      ++batch_dirs;
      EXPECT_EQ(e.path().parent_path().filename().string().rfind("stream-", 0), 0u) << e.path();
    }
  // Only what the next run needs is kept: a handful per stream, not one per batch.
  EXPECT_GT(batch_dirs, 0u);
  EXPECT_LT(batch_dirs, 40u);
  std::ifstream meta(dir.path / "metadata", std::ios::binary);
  std::string magic(8, '\0');
  meta.read(magic.data(), 8);
  EXPECT_EQ(magic, "RILLMETA") << "a checked file (rdd/checked_file.hpp)";
}

StreamingContext simple(Context ctx, Duration interval, std::shared_ptr<ManualClock> clock) {
  StreamingContext ssc(ctx, interval, clock);
  auto in = ssc.queue_stream(std::deque<Rdd<KV>>{});
  in.update_state_by_key([](const std::vector<int>& vs, std::optional<int> st) {
      return std::optional<int>(st.value_or(0) + static_cast<int>(vs.size()));
    }).foreach_rdd([](const Rdd<KV>&) {});
  return ssc;
}

TEST(RecoveryErrors, DifferentIntervalCorruptMetadataAndDifferentGraphAreClearErrors) {
  TempDir dir;
  Context ctx(Config{.parallelism = 2});
  {
    auto clock = std::make_shared<ManualClock>();
    auto ssc =
        StreamingContext::get_or_create(dir.str(), [&] { return simple(ctx, 100ms, clock); });
    ssc.start();
    clock->advance(200ms);
    ssc.await_batch_completed(200ms);
  }
  auto expect_error = [](auto fn, const std::string& needle) {
    try {
      fn();
      ADD_FAILURE() << "no exception; wanted one mentioning " << needle;
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  auto clock = std::make_shared<ManualClock>(Time{1000});
  const auto file = (dir.path / "metadata").string();
  // A different batch interval.
  expect_error(
      [&] {
        StreamingContext::get_or_create(dir.str(), [&] { return simple(ctx, 200ms, clock); });
      },
      file);
  // A different graph: the stateful stream is gone.
  expect_error(
      [&] {
        auto ssc = StreamingContext::get_or_create(dir.str(), [&] {
          StreamingContext s(ctx, 100ms, clock);
          s.queue_stream(std::deque<Rdd<KV>>{}).foreach_rdd([](const Rdd<KV>&) {});
          return s;
        });
        ssc.start();
      },
      "different stream graph");
  // The same graph still recovers after the failed attempts.
  {
    auto ssc =
        StreamingContext::get_or_create(dir.str(), [&] { return simple(ctx, 100ms, clock); });
    EXPECT_NO_THROW(ssc.start());
    ssc.await_batch_completed(1000ms);
    ssc.stop();
  }
  // Corrupt metadata: garbage, cut short, a bad number.
  const auto original = [&] {
    std::ifstream is(file);
    return std::string(std::istreambuf_iterator<char>(is), {});
  }();
  for (std::string bad :
       {std::string("garbage\n"), original.substr(0, original.size() / 2),
        std::string("rill-streaming-metadata 2\nbatch_interval_ms x\nend\n"), std::string("")}) {
    std::ofstream(file, std::ios::trunc) << bad;
    expect_error(
        [&] {
          StreamingContext::get_or_create(dir.str(), [&] { return simple(ctx, 100ms, clock); });
        },
        file);
  }
  // A checkpoint file listed in the metadata but missing.
  std::ofstream(file, std::ios::trunc) << original;
  for (auto& e : std::filesystem::recursive_directory_iterator(dir.path))
    if (e.path().filename().string().rfind("part-", 0) == 0) {
      std::filesystem::remove(e.path());
      break;
    }
  expect_error(
      [&] {
        auto ssc =
            StreamingContext::get_or_create(dir.str(), [&] { return simple(ctx, 100ms, clock); });
        ssc.start();
      },
      "missing");
}

TEST(RecoveryOutputs, SaveAsTextFilesReplacesAnEarlierAttemptOfTheSameBatch) {
  StreamHarness h;
  TempDir dir;
  const auto batch_dir = dir.path / "out-100.txt";
  // What a crashed attempt left: a half-written batch.
  std::filesystem::create_directories(batch_dir);
  std::ofstream(batch_dir / "part-00000") << "stale\n";
  std::ofstream(batch_dir / "part-00007") << "stale\n";
  auto in = h.ssc.queue_stream(h.queue_of(std::vector<std::vector<int>>{{1, 2}}, 1));
  in.save_as_text_files((dir.path / "out").string(), "txt");
  h.ssc.start();
  h.run_batches(1);
  h.ssc.stop();
  EXPECT_FALSE(std::filesystem::exists(batch_dir / "part-00007"));
  EXPECT_TRUE(std::filesystem::exists(batch_dir / "_SUCCESS"));
  std::ifstream f(batch_dir / "part-00000");
  std::string a, b;
  f >> a >> b;
  EXPECT_EQ(a + b, "12");
  for (auto& e : std::filesystem::directory_iterator(dir.path))
    EXPECT_EQ(e.path().filename().string().find(".tmp"), std::string::npos) << e.path();
}

}  // namespace
}  // namespace rill::test
