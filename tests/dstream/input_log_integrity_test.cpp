// The inputs' progress under the checkpoint directory (the write-ahead log of a receiver,
// the file-selection log and seen snapshot of a text_file_stream) cannot be misread
// either: every flipped byte and every cut of those files makes get_or_create throw an
// error naming the file, except a cut at the end of a log's newest segment, which is
// exactly what a kill during a write leaves: it is dropped with a message on stderr.
#include <iostream>
#include <rill/rdd/checked_file.hpp>

#include "dstream/stream_test_support.hpp"
#include "file_damage.hpp"

namespace rill::test::input_logs {

namespace fs = std::filesystem;

struct LogRun {
  CrashableOutput<std::string> output;  // both inputs' lines, per batch
  HandFedReceiver<std::string>* receiver = nullptr;
};

StreamingContext job(Context ctx, std::shared_ptr<ManualClock> clock, const fs::path& in,
                     LogRun& run) {
  StreamingContext ssc(ctx, 100ms, clock);
  auto owned = std::make_unique<HandFedReceiver<std::string>>();
  run.receiver = owned.get();
  ssc.receiver_stream(std::move(owned))
      .union_with(ssc.text_file_stream(in.string()))
      .foreach_rdd(run.output.recorder());
  return ssc;
}

void add_file(const fs::path& dir, const std::string& name, const std::string& text) {
  std::ofstream(dir / (name + ".tmp")) << text;
  fs::rename(dir / (name + ".tmp"), dir / name);
}

struct Recovered {
  std::optional<std::string> error;
  std::map<Time, std::vector<std::string>> out;
  std::string stderr_text;
};

// Recovers from dir (a copy is used, the sweep reuses dir) and runs batches 200 and 300.
Recovered recover(Context& ctx, const fs::path& dir, const fs::path& in) {
  Recovered r;
  LogRun run;
  testing::internal::CaptureStderr();
  try {
    auto clock = std::make_shared<ManualClock>(Time{250});
    auto ssc =
        StreamingContext::get_or_create(dir.string(), [&] { return job(ctx, clock, in, run); });
    ssc.start();
    ssc.await_batch_completed(200ms, 10s);
    clock->advance(50ms);
    ssc.await_batch_completed(300ms, 10s);
    ssc.stop();
  } catch (const std::exception& e) {
    r.error = e.what();
  }
  r.stderr_text = testing::internal::GetCapturedStderr();
  r.out = run.output.outputs();
  return r;
}

TEST(InputLogIntegrity, EveryFlipOrCutOfAnInputLogIsAnErrorNamingTheFileOrAReportedTornTail) {
  TempDir ckpt, crashed, in;
  Context ctx(Config{.parallelism = 2, .write_ahead_log = true});
  {
    LogRun first;
    first.output.hold = 200ms;
    auto clock = std::make_shared<ManualClock>();
    auto ssc = StreamingContext::get_or_create(ckpt.str(),
                                               [&] { return job(ctx, clock, in.path, first); });
    ssc.start();
    first.receiver->wait_started();
    first.receiver->store(std::vector<std::string>{"r1", "r2"});
    add_file(in.path, "f1", "f1a\nf1b\n");
    clock->advance(100ms);
    ssc.await_batch_completed(100ms);
    first.receiver->store(std::vector<std::string>{"r3"});
    add_file(in.path, "f2", "f2a\n");
    clock->advance(100ms);
    // Stored after batch 200 took its blocks (it is running): in no batch yet.
    first.output.crash_copy(ckpt.path, crashed.path, [&] {
      first.receiver->store(std::vector<std::string>{"r4", "r5"});
    });
    ssc.stop();
  }
  const std::map<Time, std::vector<std::string>> want{{200ms, {"f2a", "r3"}},
                                                      {300ms, {"r4", "r5"}}};
  TempDir pristine;
  fs::copy(crashed.path, pristine.path, fs::copy_options::recursive);
  auto reset = [&] {
    fs::remove_all(crashed.path);
    fs::copy(pristine.path, crashed.path, fs::copy_options::recursive);
  };
  {
    auto r = recover(ctx, crashed.path, in.path);
    ASSERT_FALSE(r.error) << *r.error;
    ASSERT_EQ(r.out, want);
    reset();
  }
  // The inputs' files, and for each log its newest segment (where a cut is a torn write).
  std::vector<fs::path> files;
  std::set<fs::path> newest;
  for (const char* sub : {"receivedData", "inputs"})
    for (auto& e : fs::recursive_directory_iterator(crashed.path / sub))
      if (e.is_regular_file()) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (auto& f : files)
    if (f.filename().string().rfind("log-", 0) == 0) {
      auto last = f;
      for (auto& g : files)
        if (g.parent_path() == f.parent_path() && g.filename().string().rfind("log-", 0) == 0)
          last = std::max(last, g);
      newest.insert(last);
    }
  ASSERT_GE(files.size(), 4u) << "receiver segments, file-selection segment, seen snapshot";
  std::size_t variants = 0, torn = 0;
  for (const auto& f : files) {
    SCOPED_TRACE(f.string());
    const auto original = detail::read_file(f, "test file");
    for (const auto& v : damaged_copies(original)) {
      std::ofstream(f, std::ios::binary | std::ios::trunc) << v.bytes;
      auto r = recover(ctx, crashed.path, in.path);
      ++variants;
      const bool cut = v.what.rfind("cut", 0) == 0;
      if (r.error) {
        EXPECT_NE(r.error->find(f.string()), std::string::npos) << v.what << ": " << *r.error;
      } else if (cut && newest.count(f)) {
        ++torn;
        EXPECT_NE(r.stderr_text.find(f.string()), std::string::npos)
            << v.what << ": a torn tail dropped without a word";
      } else {
        ADD_FAILURE() << v.what << ": recovered without error, "
                      << (r.out == want ? "with the right output" : "WITH WRONG OUTPUT");
      }
      reset();
    }
  }
  std::cout << "[ sweep    ] " << files.size() << " files, " << variants << " damaged copies, "
            << torn << " accepted as torn tails of a newest segment\n";
  EXPECT_GT(variants, 40 * files.size());
}

}  // namespace rill::test::input_logs
