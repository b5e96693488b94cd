// The write-ahead log of receiver data (Config::write_ahead_log): segments that round-trip
// and name the file when corrupt, and a batch that was running at a crash replayed from
// the log by get_or_create.
#include <condition_variable>
#include <fstream>
#include <rill/io/write_ahead_log.hpp>

#include "dstream/stream_test_support.hpp"

namespace rill::test {
namespace {

TEST(WriteAheadLogSegments, RoundTripCleanupAndCorruptionNamesTheFile) {
  TempDir dir;
  detail::WriteAheadLog wal(dir.path / "receivedData" / "0");
  const std::vector<std::string> blocks{"abc", "", std::string(5000, 'x')};
  wal.write_batch(100ms, blocks);
  wal.write_batch(200ms, {"q"});
  EXPECT_EQ(wal.read_batch(100ms), std::optional(blocks));
  EXPECT_FALSE(wal.read_batch(300ms).has_value());
  wal.clean_through(100ms);
  EXPECT_FALSE(wal.read_batch(100ms).has_value());
  EXPECT_EQ(wal.read_batch(200ms), std::optional(std::vector<std::string>{"q"}));
  // One flipped bit fails the checksum; a cut record fails the length.
  const auto file = wal.dir() / "log-200";
  std::string bytes;
  {
    std::ifstream is(file, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(is), {});
  }
  for (std::string bad : {bytes.substr(0, bytes.size() - 1), bytes + "x",
                          std::string(bytes).replace(bytes.size() - 1, 1, "r")}) {
    std::ofstream(file, std::ios::binary | std::ios::trunc) << bad;
    try {
      wal.read_batch(200ms);
      ADD_FAILURE() << "corrupt segment accepted";
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find(file.string()), std::string::npos) << e.what();
    }
  }
}

// A receiver the test feeds through store().
class FedReceiver final : public Receiver<int> {
 public:
  void on_start() override {
    std::lock_guard lock(m_);
    started_ = true;
    cv_.notify_all();
  }
  void on_stop() override {}
  void wait_started() {
    std::unique_lock lock(m_);
    ASSERT_TRUE(cv_.wait_for(lock, 30s, [&] { return started_; }));
  }

 private:
  std::mutex m_;
  std::condition_variable cv_;
  bool started_ = false;
};

struct RunState {
  std::mutex m;
  std::condition_variable cv;
  std::map<Time, std::vector<int>> out;
  std::optional<Time> hold;  // the batch whose output waits for `release`
  bool holding = false, release = false;
  FedReceiver* receiver = nullptr;
};

StreamingContext build(Context ctx, std::shared_ptr<ManualClock> clock, RunState& run) {
  StreamingContext ssc(ctx, 100ms, clock);
  auto owned = std::make_unique<FedReceiver>();
  run.receiver = owned.get();
  ssc.receiver_stream(std::move(owned)).foreach_rdd([&run](const Rdd<int>& r, Time t) {
    auto v = sorted(r.collect());
    std::unique_lock lock(run.m);
    run.out[t] = std::move(v);
    if (run.hold == t) {
      run.holding = true;
      run.cv.notify_all();
      run.cv.wait(lock, [&] { return run.release; });
    }
  });
  return ssc;
}

TEST(WriteAheadLogRecovery, ABatchRunningAtTheCrashIsReplayedFromTheLog) {
  TempDir dir, crashed;
  Context ctx(Config{.parallelism = 2, .write_ahead_log = true});
  {
    RunState first;
    first.hold = 200ms;
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
    {
      std::unique_lock lock(first.m);
      ASSERT_TRUE(first.cv.wait_for(lock, 30s, [&] { return first.holding; }));
    }
    // The crash: batch 200 is running; what is on disk now is all a restart gets.
    std::filesystem::copy(dir.path, crashed.path, std::filesystem::copy_options::recursive);
    {
      std::lock_guard lock(first.m);
      first.release = true;
    }
    first.cv.notify_all();
    ssc.stop();
    EXPECT_EQ(first.out[200ms], (std::vector<int>{3, 4}));
  }
  // The segment of the completed batch 100 is gone; 200's is there.
  EXPECT_FALSE(std::filesystem::exists(crashed.path / "receivedData" / "0" / "log-100"));
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
  std::lock_guard lock(second.m);
  EXPECT_EQ(second.out.count(100ms), 0u) << "completed before the crash: not run again";
  EXPECT_EQ(second.out[200ms], (std::vector<int>{3, 4})) << "replayed from the log";
  EXPECT_EQ(second.out[300ms], std::vector<int>{5});
}

}  // namespace
}  // namespace rill::test
