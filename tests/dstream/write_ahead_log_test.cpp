// The write-ahead log of receiver data (Config::write_ahead_log): segments that round-trip
// and name the file when corrupt, and a batch that was running at a crash replayed from
// the log by get_or_create.
#include <condition_variable>
#include <fstream>
#include <rill/io/write_ahead_log.hpp>
#include <set>
#include <thread>

#include "dstream/stream_test_support.hpp"

namespace rill::test {
namespace {

std::string file_bytes(const std::filesystem::path& f) {
  std::ifstream is(f, std::ios::binary);
  return {std::istreambuf_iterator<char>(is), {}};
}
void put_bytes(const std::filesystem::path& f, const std::string& bytes) {
  std::ofstream(f, std::ios::binary | std::ios::trunc) << bytes;
}
std::vector<std::filesystem::path> segments(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> out;
  for (auto& e : std::filesystem::directory_iterator(dir))
    if (e.path().filename().string().rfind("log-", 0) == 0) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

TEST(WriteAheadLogSegments, BlocksBatchesAndUnallocatedSurviveAReopen) {
  TempDir dir;
  const auto log_dir = dir.path / "receivedData" / "0";
  const std::vector<std::string> first{"abc", "", std::string(5000, 'x')};
  {
    detail::WriteAheadLog wal(log_dir);
    for (auto& b : first) wal.sync_to(wal.append(b));
    wal.mark_batch(100ms);
    wal.mark_batch(200ms);  // nothing since the last marker: no marker, no segment
    wal.sync_to(wal.append("q"));
    wal.mark_batch(300ms);
    wal.sync_to(wal.append("stored, not yet taken"));
  }
  {
    detail::WriteAheadLog wal(log_dir);
    auto r = wal.take_recovered();
    EXPECT_EQ(r.batches,
              (std::map<Time, std::vector<std::string>>{{100ms, first}, {300ms, {"q"}}}));
    EXPECT_EQ(r.unallocated, std::vector<std::string>{"stored, not yet taken"});
    EXPECT_TRUE(wal.take_recovered().batches.empty()) << "given once";
    // Appends continue after the unallocated block; the next marker covers both.
    wal.sync_to(wal.append("new"));
    wal.mark_batch(400ms);
    wal.clean_through(300ms);
  }
  detail::WriteAheadLog wal(log_dir);
  auto r = wal.take_recovered();
  EXPECT_EQ(r.batches,
            (std::map<Time, std::vector<std::string>>{{400ms, {"stored, not yet taken", "new"}}}));
  EXPECT_TRUE(r.unallocated.empty());
  EXPECT_EQ(segments(log_dir).size(), 1u) << "segments of batches <= 300 were deleted";
  wal.discard_recovered();
  EXPECT_TRUE(segments(log_dir).empty());
}

// Every flipped byte of a segment and every cut of a segment that is not the newest is an
// error naming the file; a cut at the end of the newest one is a torn write: the blocks
// before it are kept.
TEST(WriteAheadLogSegments, CorruptionNamesTheFileAndATornTailIsDropped) {
  TempDir dir;
  const auto log_dir = dir.path / "wal";
  {
    detail::WriteAheadLog wal(log_dir);
    wal.sync_to(wal.append("one"));
    wal.mark_batch(100ms);
    wal.sync_to(wal.append("two"));
    wal.sync_to(wal.append("three"));
  }
  const auto files = segments(log_dir);
  ASSERT_EQ(files.size(), 2u);
  auto expect_error = [&](const std::filesystem::path& f, const std::string& what) {
    try {
      detail::WriteAheadLog wal(log_dir);
      ADD_FAILURE() << what << " of " << f << " accepted";
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find(f.string()), std::string::npos) << e.what();
    }
  };
  for (const auto& f : files) {
    const auto good = file_bytes(f);
    for (std::size_t i = 0; i < good.size(); ++i) {
      auto bad = good;
      bad[i] = static_cast<char>(bad[i] ^ 0x5a);
      put_bytes(f, bad);
      expect_error(f, "flip at byte " + std::to_string(i));
    }
    if (f == files.front()) {
      put_bytes(f, good + "x");
      expect_error(f, "a trailing byte");
      for (std::size_t n : {std::size_t{0}, std::size_t{5}, good.size() / 2, good.size() - 1}) {
        put_bytes(f, good.substr(0, n));
        expect_error(f, "a cut to " + std::to_string(n) + " bytes");
      }
    }
    put_bytes(f, good);
  }
  // The newest segment cut inside its last record: "three" was never acknowledged.
  const auto newest = file_bytes(files.back());
  put_bytes(files.back(), newest.substr(0, newest.size() - 3));
  {
    detail::WriteAheadLog wal(log_dir);
    auto r = wal.take_recovered();
    EXPECT_EQ(r.batches[100ms], std::vector<std::string>{"one"});
    EXPECT_EQ(r.unallocated, std::vector<std::string>{"two"});
    wal.sync_to(wal.append("four"));
  }
  detail::WriteAheadLog wal(log_dir);
  EXPECT_EQ(wal.take_recovered().unallocated, (std::vector<std::string>{"two", "four"}));
}

TEST(WriteAheadLogSegments, GroupCommitKeepsEveryBlockOfConcurrentWriters) {
  TempDir dir;
  constexpr int kThreads = 4, kBlocks = 200;
  {
    detail::WriteAheadLog wal(dir.path, WalSync::group_commit);
    std::vector<std::thread> writers;
    for (int w = 0; w < kThreads; ++w)
      writers.emplace_back([&, w] {
        for (int i = 0; i < kBlocks; ++i)
          wal.sync_to(wal.append(std::to_string(w) + ":" + std::to_string(i)));
      });
    for (auto& t : writers) t.join();
  }
  detail::WriteAheadLog wal(dir.path);
  auto blocks = wal.take_recovered().unallocated;
  std::set<std::string> distinct(blocks.begin(), blocks.end());
  EXPECT_EQ(blocks.size(), std::size_t{kThreads * kBlocks});
  EXPECT_EQ(distinct.size(), blocks.size());
}

struct RunState {
  CrashableOutput<int> output;
  HandFedReceiver<int>* receiver = nullptr;
};

StreamingContext build(Context ctx, std::shared_ptr<ManualClock> clock, RunState& run) {
  StreamingContext ssc(ctx, 100ms, clock);
  auto owned = std::make_unique<HandFedReceiver<int>>();
  run.receiver = owned.get();
  ssc.receiver_stream(std::move(owned)).foreach_rdd(run.output.recorder());
  return ssc;
}

TEST(WriteAheadLogRecovery, ABatchRunningAtTheCrashIsReplayedFromTheLog) {
  TempDir dir, crashed;
  Context ctx(Config{.parallelism = 2, .write_ahead_log = true});
  {
    RunState first;
    first.output.hold = 200ms;
    auto clock = std::make_shared<ManualClock>();
    auto ssc = StreamingContext::get_or_create(dir.str(), [&] { return build(ctx, clock, first); });
    ssc.start();
    first.receiver->wait_started();
    first.receiver->store(1);
    first.receiver->store(2);
    clock->advance(100ms);
    ssc.await_batch_completed(100ms);
    first.receiver->store(std::vector<int>{3, 4});
    clock->advance(100ms);
    // The crash: batch 200 is running; what is on disk now is all a restart gets.
    first.output.crash_copy(dir.path, crashed.path);
    ssc.stop();
    EXPECT_EQ(first.output.outputs()[200ms], (std::vector<int>{3, 4}));
  }
  // The segment of the completed batch 100 is gone; 200's is there.
  EXPECT_EQ(segments(crashed.path / "receivedData" / "0").size(), 1u);
  RunState second;
  auto clock = std::make_shared<ManualClock>(Time{250});
  auto ssc =
      StreamingContext::get_or_create(crashed.str(), [&] { return build(ctx, clock, second); });
  ssc.start();
  ssc.await_batch_completed(200ms);
  second.receiver->wait_started();
  second.receiver->store(5);
  clock->advance(50ms);
  ssc.await_batch_completed(300ms);
  ssc.stop();
  auto out = second.output.outputs();
  EXPECT_EQ(out.count(100ms), 0u) << "completed before the crash: not run again";
  EXPECT_EQ(out[200ms], (std::vector<int>{3, 4})) << "replayed from the log";
  EXPECT_EQ(out[300ms], std::vector<int>{5});
}

// Spark's reliable receiver: once a block store() has returned, a crash before any batch
// took the block loses nothing; the first batch after the restart gets it, once.
TEST(WriteAheadLogRecovery, ABlockStoreThatReturnedSurvivesACrashBeforeAnyBatchTookIt) {
  TempDir dir, crashed;
  Context ctx(Config{.parallelism = 2, .write_ahead_log = true});
  {
    RunState first;
    auto clock = std::make_shared<ManualClock>();
    auto ssc = StreamingContext::get_or_create(dir.str(), [&] { return build(ctx, clock, first); });
    ssc.start();
    first.receiver->wait_started();
    first.receiver->store(std::vector<int>{1});
    clock->advance(100ms);
    ssc.await_batch_completed(100ms);
    first.receiver->store(std::vector<int>{7, 8});
    first.receiver->store(9);  // buffered: no promise, lost with the process
    std::filesystem::copy(dir.path, crashed.path, std::filesystem::copy_options::recursive);
    ssc.stop();
  }
  RunState second;
  auto clock = std::make_shared<ManualClock>(Time{300});
  auto ssc =
      StreamingContext::get_or_create(crashed.str(), [&] { return build(ctx, clock, second); });
  ssc.start();
  ssc.await_batch_completed(300ms);
  ssc.stop();
  auto out = second.output.outputs();
  EXPECT_EQ(out.count(100ms), 0u);
  EXPECT_EQ(out[200ms], (std::vector<int>{7, 8}));
  EXPECT_EQ(out[300ms], std::vector<int>{});
}

}  // namespace
}  // namespace rill::test
