// ProgressListener: a one-line live progress display of a streaming context on stderr,
// rewritten in place with '\r' after every completed batch (in the spirit of Spark's
// console progress bar). It stays silent unless stderr is a terminal, so logs and pipes
// never fill up with carriage returns.
#pragma once
#include <cstdint>
#include <iosfwd>
#include <mutex>
#include <rill/dstream/streaming_listener.hpp>

namespace rill {

class ProgressListener final : public StreamingListener {
 public:
  // Writes to std::cerr, and only if stderr is a terminal.
  ProgressListener();
  // Writes to `out` when `enabled` (tests, or a caller that decided for itself).
  ProgressListener(std::ostream& out, bool enabled);
  // Ends the progress line so that later output starts on a fresh line.
  ~ProgressListener() override;

  void on_batch_completed(const BatchInfo& info) override;
  void on_receiver_error(const ReceiverInfo& info) override;
  void on_stream_error(const StreamErrorInfo& info) override;

  bool enabled() const { return enabled_; }
  // Ends the progress line now (before printing something else to the terminal).
  void finish_line();

 private:
  static std::string batch_time_text(Time t);

  std::ostream& out_;
  const bool enabled_;
  std::mutex mutex_;  // guards everything below
  std::int64_t batches_ = 0;
  std::int64_t records_ = 0;
  std::int64_t errors_ = 0;         // receiver errors
  std::int64_t stream_errors_ = 0;  // errors of other input streams
  std::size_t last_width_ = 0;      // to blank out the rest of a longer previous line
  bool line_open_ = false;
};

}  // namespace rill
