#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <optional>
#include <rill/io/progress_listener.hpp>
#include <sstream>
#include <string>

namespace rill {

namespace {

std::string ms(const std::optional<Duration>& d) {
  return d ? std::to_string(d->count()) + " ms" : std::string("-");
}

}  // namespace

ProgressListener::ProgressListener() : ProgressListener(std::cerr, ::isatty(STDERR_FILENO) == 1) {}

ProgressListener::ProgressListener(std::ostream& out, bool enabled)
    : out_(out), enabled_(enabled) {}

// System-clock batch times are epoch milliseconds: shown as the UTC time of day; a
// manual clock's small times as seconds.
std::string ProgressListener::batch_time_text(Time t) {
  char buf[32];
  const auto ms = t.count();
  if (ms < 1'000'000'000'000) {
    std::snprintf(buf, sizeof buf, "%lld.%lld s", static_cast<long long>(ms / 1000),
                  static_cast<long long>((ms / 100) % 10));
    return buf;
  }
  const auto day_ms = ms % 86'400'000;
  std::snprintf(buf, sizeof buf, "%02lld:%02lld:%02lld.%03lld UTC",
                static_cast<long long>(day_ms / 3'600'000),
                static_cast<long long>(day_ms / 60'000 % 60),
                static_cast<long long>(day_ms / 1000 % 60), static_cast<long long>(day_ms % 1000));
  return buf;
}

ProgressListener::~ProgressListener() {
  finish_line();
}

void ProgressListener::on_batch_completed(const BatchInfo& info) {
  if (!enabled_) return;
  std::lock_guard lock(mutex_);
  ++batches_;
  records_ += info.num_records;
  std::ostringstream line;
  line << "[rill] batch " << batch_time_text(info.batch_time) << " | " << info.num_records
       << " records (" << records_ << " in " << batches_ << " batches) | sched "
       << ms(info.scheduling_delay) << " | proc " << ms(info.processing_delay) << " | total "
       << ms(info.total_delay);
  if (errors_ > 0) line << " | " << errors_ << " receiver errors";
  if (stream_errors_ > 0) line << " | " << stream_errors_ << " stream errors";
  std::string text = line.str();
  const auto width = text.size();
  if (width < last_width_) text.append(last_width_ - width, ' ');
  last_width_ = width;
  out_ << '\r' << text << std::flush;
  line_open_ = true;
}

void ProgressListener::on_receiver_error(const ReceiverInfo&) {
  if (!enabled_) return;
  std::lock_guard lock(mutex_);
  ++errors_;
}

void ProgressListener::on_stream_error(const StreamErrorInfo&) {
  if (!enabled_) return;
  std::lock_guard lock(mutex_);
  ++stream_errors_;
}

void ProgressListener::finish_line() {
  std::lock_guard lock(mutex_);
  if (!line_open_) return;
  out_ << '\n' << std::flush;
  line_open_ = false;
  last_width_ = 0;
}

}  // namespace rill
