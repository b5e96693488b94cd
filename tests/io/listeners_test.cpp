#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <rill/io/json_batch_listener.hpp>
#include <rill/io/progress_listener.hpp>
#include <sstream>
#include <string>
#include <vector>

namespace rill::test {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

std::vector<nlohmann::json> read_json_lines(const fs::path& path) {
  std::ifstream in(path);
  std::vector<nlohmann::json> out;
  for (std::string line; std::getline(in, line);) out.push_back(nlohmann::json::parse(line));
  return out;
}

class JsonBatchListenerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        fs::temp_directory_path() /
        ("rill_json_listener_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
         "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

BatchInfo completed_batch(Time t, std::int64_t records) {
  BatchInfo b;
  b.batch_time = t;
  b.num_records = records;
  b.submission_time = t + 1ms;
  b.processing_start_time = t + 3ms;
  b.processing_end_time = t + 20ms;
  b.scheduling_delay = 2ms;
  b.processing_delay = 17ms;
  b.total_delay = 20ms;
  b.output_operations = 2;
  b.num_late_records = 4;
  b.watermark = t - 500ms;
  return b;
}

TEST_F(JsonBatchListenerTest, OneLinePerCompletedBatchAndPerReceiverError) {
  const auto path = dir_ / "batches.jsonl";
  {
    JsonBatchListener listener(path.string());
    listener.on_batch_submitted(completed_batch(1000ms, 5));  // not logged: only completions
    listener.on_batch_completed(completed_batch(1000ms, 5));
    listener.on_receiver_error(ReceiverInfo{.stream_id = 3,
                                            .name = "SocketReceiver(127.0.0.1:9)",
                                            .active = true,
                                            .last_error = "connection \"refused\"\nretrying"});
    BatchInfo unknown;
    unknown.batch_time = 2000ms;
    listener.on_batch_completed(unknown);
  }
  auto lines = read_json_lines(path);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0]["event"], "batch_completed");
  EXPECT_EQ(lines[0]["batch_time_ms"], 1000);
  EXPECT_EQ(lines[0]["records"], 5);
  EXPECT_EQ(lines[0]["scheduling_delay_ms"], 2);
  EXPECT_EQ(lines[0]["processing_delay_ms"], 17);
  EXPECT_EQ(lines[0]["total_delay_ms"], 20);
  EXPECT_EQ(lines[0]["output_operations"], 2);
  EXPECT_EQ(lines[0]["late_records"], 4);
  EXPECT_EQ(lines[0]["watermark_ms"], 500);

  EXPECT_EQ(lines[1]["event"], "receiver_error");
  EXPECT_EQ(lines[1]["stream_id"], 3);
  EXPECT_EQ(lines[1]["receiver"], "SocketReceiver(127.0.0.1:9)");
  EXPECT_EQ(lines[1]["error"], "connection \"refused\"\nretrying");

  EXPECT_EQ(lines[2]["batch_time_ms"], 2000);
  EXPECT_EQ(lines[2]["records"], 0);
  EXPECT_TRUE(lines[2]["scheduling_delay_ms"].is_null());
  EXPECT_TRUE(lines[2]["processing_delay_ms"].is_null());
  EXPECT_TRUE(lines[2]["total_delay_ms"].is_null());
  EXPECT_TRUE(lines[2]["watermark_ms"].is_null());
  EXPECT_EQ(lines[2]["late_records"], 0);
}

TEST_F(JsonBatchListenerTest, OneLinePerStreamError) {
  const auto path = dir_ / "stream_errors.jsonl";
  {
    JsonBatchListener listener(path.string());
    listener.on_stream_error(StreamErrorInfo{.stream_id = 4,
                                             .name = "text_file_stream stream [4]",
                                             .message = "cannot open \"in/a.txt\"",
                                             .errors = 2});
  }
  auto lines = read_json_lines(path);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["event"], "stream_error");
  EXPECT_EQ(lines[0]["stream_id"], 4);
  EXPECT_EQ(lines[0]["stream"], "text_file_stream stream [4]");
  EXPECT_EQ(lines[0]["error"], "cannot open \"in/a.txt\"");
  EXPECT_EQ(lines[0]["errors"], 2);
}

TEST_F(JsonBatchListenerTest, LinesAreReadableWhileTheListenerIsAlive) {
  const auto path = dir_ / "live.jsonl";
  JsonBatchListener listener(path.string());
  for (int i = 1; i <= 3; ++i) {
    listener.on_batch_completed(completed_batch(Time(i * 100), i));
    auto lines = read_json_lines(path);
    ASSERT_EQ(lines.size(), static_cast<std::size_t>(i));
    EXPECT_EQ(lines.back()["records"], i);
  }
}

TEST_F(JsonBatchListenerTest, InvalidUtf8InAnErrorDoesNotThrow) {
  const auto path = dir_ / "utf8.jsonl";
  {
    JsonBatchListener listener(path.string());
    listener.on_receiver_error(
        ReceiverInfo{.name = "r", .last_error = std::string("bad \xff byte")});
  }
  auto lines = read_json_lines(path);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0]["error"].get<std::string>().find("bad"), std::string::npos);
}

TEST_F(JsonBatchListenerTest, TruncatesAnExistingFile) {
  const auto path = dir_ / "old.jsonl";
  std::ofstream(path) << "stale\n";
  {
    JsonBatchListener listener(path.string());
    listener.on_batch_completed(completed_batch(100ms, 1));
  }
  EXPECT_EQ(read_json_lines(path).size(), 1u);
}

TEST_F(JsonBatchListenerTest, UnwritablePathThrows) {
  EXPECT_THROW(JsonBatchListener((dir_ / "no" / "such" / "dir" / "x.jsonl").string()),
               std::runtime_error);
}

TEST(ProgressListener, RewritesOneLineInPlace) {
  std::ostringstream out;
  {
    ProgressListener progress(out, /*enabled=*/true);
    progress.on_batch_completed(completed_batch(1000ms, 1234));
    progress.on_receiver_error(ReceiverInfo{.name = "r", .last_error = "oops"});
    progress.on_batch_completed(completed_batch(2000ms, 6));
  }
  const auto text = out.str();
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(text.front(), '\r');
  EXPECT_EQ(text.back(), '\n');  // the destructor ends the line
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1);
  EXPECT_EQ(std::count(text.begin(), text.end(), '\r'), 2);
  EXPECT_NE(text.find("1234 records"), std::string::npos) << text;
  EXPECT_NE(text.find("1240 in 2 batches"), std::string::npos) << text;
  EXPECT_NE(text.find("1 receiver errors"), std::string::npos) << text;
  // The second, shorter-numbered line is padded to cover the first one entirely.
  const auto second = text.substr(text.rfind('\r'));
  const auto first = text.substr(0, text.rfind('\r'));
  EXPECT_GE(second.size() - 1, first.size() - 1);
}

TEST(ProgressListener, ShowsEpochBatchTimesAsUtcTimeOfDay) {
  std::ostringstream out;
  {
    ProgressListener progress(out, /*enabled=*/true);
    // 2026-12-01 21:45:07.250 UTC, as the system clock gives it; then a manual clock's.
    progress.on_batch_completed(completed_batch(Time{1'796'161'507'250}, 1));
    progress.on_batch_completed(completed_batch(1500ms, 1));
  }
  EXPECT_NE(out.str().find("batch 21:45:07.250 UTC |"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("batch 1.5 s |"), std::string::npos) << out.str();
}

TEST(ProgressListener, CountsStreamErrors) {
  std::ostringstream out;
  {
    ProgressListener progress(out, /*enabled=*/true);
    progress.on_stream_error(StreamErrorInfo{.name = "s", .message = "unreadable", .errors = 1});
    progress.on_stream_error(StreamErrorInfo{.name = "s", .message = "unreadable", .errors = 2});
    progress.on_batch_completed(completed_batch(1000ms, 3));
  }
  EXPECT_NE(out.str().find("2 stream errors"), std::string::npos) << out.str();
  EXPECT_EQ(out.str().find("receiver errors"), std::string::npos) << out.str();
}

TEST(ProgressListener, DisabledWritesNothing) {
  std::ostringstream out;
  {
    ProgressListener progress(out, /*enabled=*/false);
    progress.on_batch_completed(completed_batch(1000ms, 1));
  }
  EXPECT_TRUE(out.str().empty());
}

}  // namespace
}  // namespace rill::test
