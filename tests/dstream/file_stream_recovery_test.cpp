// text_file_stream's progress in the checkpoint: a batch that had not completed at the
// crash reads exactly the same files after get_or_create, files that arrived while the
// job was down are read by a later batch, and none is read twice. Also new_files_only
// and CRLF lines.
#include <fstream>

#include "dstream/stream_test_support.hpp"

namespace rill::test {
namespace {

StreamingContext file_job(Context ctx, std::shared_ptr<ManualClock> clock,
                          const std::filesystem::path& in, CrashableOutput<std::string>& out,
                          bool new_files_only = true) {
  StreamingContext ssc(ctx, 100ms, clock);
  ssc.text_file_stream(in.string(), new_files_only).foreach_rdd(out.recorder());
  return ssc;
}

void put_file(const std::filesystem::path& dir, const std::string& name, const std::string& text) {
  std::ofstream(dir / (name + ".tmp")) << text;
  std::filesystem::rename(dir / (name + ".tmp"), dir / name);
}

TEST(FileStreamRecovery, ARunningBatchRereadsItsFilesAndFilesFromTheDowntimeAreRead) {
  TempDir ckpt, crashed, in;
  Context ctx(Config{.parallelism = 2});
  put_file(in.path, "old", "old\n");  // there before the first start: not new
  {
    CrashableOutput<std::string> first;
    first.hold = 200ms;
    auto clock = std::make_shared<ManualClock>();
    auto ssc = StreamingContext::get_or_create(
        ckpt.str(), [&] { return file_job(ctx, clock, in.path, first); });
    ssc.start();
    put_file(in.path, "a", "a1\na2\n");
    clock->advance(100ms);
    ssc.await_batch_completed(100ms);
    put_file(in.path, "b", "b1\n");
    clock->advance(100ms);
    // The crash: batch 200 (file b) is running; what is on disk now is all a restart gets.
    first.crash_copy(ckpt.path, crashed.path);
    ssc.stop();
  }
  // While the job is down: c arrives; at the restart b and c are both in the directory.
  put_file(in.path, "c", "c1\nc2\n");
  CrashableOutput<std::string> second;
  auto clock = std::make_shared<ManualClock>(Time{300});
  auto ssc = StreamingContext::get_or_create(crashed.str(),
                                             [&] { return file_job(ctx, clock, in.path, second); });
  ssc.start();
  ssc.await_batch_completed(300ms);
  put_file(in.path, "d", "d1\n");
  clock->advance(100ms);
  ssc.await_batch_completed(400ms);
  ssc.stop();
  auto out = second.outputs();
  EXPECT_EQ(out.count(100ms), 0u) << "completed before the crash: not run again";
  EXPECT_EQ(out[200ms], std::vector<std::string>{"b1"}) << "the same files again";
  EXPECT_EQ(out[300ms], (std::vector<std::string>{"c1", "c2"}));
  EXPECT_EQ(out[400ms], std::vector<std::string>{"d1"});
}

// Many batches, so that the progress snapshot replaces the log, then a restart: no file
// is read twice and none is lost.
TEST(FileStreamRecovery, ProgressSurvivesSnapshotsAcrossRestarts) {
  TempDir ckpt, in;
  Context ctx(Config{.parallelism = 2});
  std::multiset<std::string> all;
  int file = 0;
  Time now{0};
  for (int life = 0; life < 3; ++life) {
    CrashableOutput<std::string> run;
    auto clock = std::make_shared<ManualClock>(now);
    auto ssc = StreamingContext::get_or_create(ckpt.str(),
                                               [&] { return file_job(ctx, clock, in.path, run); });
    ssc.start();
    for (int b = 0; b < 13; ++b) {
      put_file(in.path, "f" + std::to_string(file), "line" + std::to_string(file) + "\n");
      ++file;
      clock->advance(100ms);
      ssc.await_batch_completed(clock->now());
    }
    put_file(in.path, "f" + std::to_string(file), "line" + std::to_string(file) + "\n");
    ++file;  // arrives after the last batch of this life: read by the next life
    ssc.stop();
    now = clock->now();
    for (auto& [t, lines] : run.outputs()) all.insert(lines.begin(), lines.end());
  }
  {
    CrashableOutput<std::string> run;
    auto clock = std::make_shared<ManualClock>(now);
    auto ssc = StreamingContext::get_or_create(ckpt.str(),
                                               [&] { return file_job(ctx, clock, in.path, run); });
    ssc.start();
    clock->advance(100ms);
    ssc.await_batch_completed(clock->now());
    ssc.stop();
    for (auto& [t, lines] : run.outputs()) all.insert(lines.begin(), lines.end());
  }
  std::multiset<std::string> expected;
  for (int i = 0; i < file; ++i) expected.insert("line" + std::to_string(i));
  EXPECT_EQ(all, expected);
  EXPECT_TRUE(std::filesystem::exists(ckpt.path / "inputs" / "0" / "seen"));
}

TEST(FileStreamInputs, NewFilesOnlyFalseReadsWhatIsThereAndCrlfLinesLoseTheirCr) {
  TempDir in;
  put_file(in.path, "old", "o1\r\no2\n");
  StreamHarness h;
  Collector<std::string> c(h.ssc.text_file_stream(in.str(), /*new_files_only=*/false));
  h.ssc.start();
  h.run_batches(1);
  put_file(in.path, "new", "n1\r\n\r\nn2");
  h.run_batches(1);
  h.ssc.stop();
  EXPECT_EQ(c.in_order(), (std::vector<std::vector<std::string>>{{"o1", "o2"}, {"", "n1", "n2"}}));
}

// A file whose reads fail (here /proc/self/mem, which fails at offset 0) is not read as
// empty and marked done: it reaches the listeners once, is counted, and is retried.
TEST(FileStreamInputs, AFileWhoseReadsFailIsReportedCountedAndRetried) {
  TempDir in;
  StreamHarness h;
  StreamErrorRecorder errors;
  h.ssc.add_listener(errors);
  auto lines = h.ssc.text_file_stream(in.str());
  Collector<std::string> c(lines);
  h.ssc.start();
  std::filesystem::create_symlink("/proc/self/mem", in.path / "broken");
  put_file(in.path, "good", "g\n");
  h.run_batches(3);
  h.ssc.stop();
  EXPECT_EQ(c.in_order(), (std::vector<std::vector<std::string>>{{"g"}, {}, {}}));
  EXPECT_EQ(h.ssc.graph()->stream_errors(0), 1);
  std::lock_guard lock(errors.m);
  ASSERT_EQ(errors.errors.size(), 1u);
  EXPECT_EQ(errors.errors[0].errors, 1);
  EXPECT_NE(errors.errors[0].message.find("broken"), std::string::npos) << errors.errors[0].message;
  EXPECT_NE(errors.errors[0].message.find("read failed"), std::string::npos);
}

}  // namespace
}  // namespace rill::test
