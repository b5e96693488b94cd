#include <iostream>
#include <rill/dstream/stream_errors.hpp>
#include <utility>

namespace rill::detail {

void StreamErrors::report(int stream_id, const std::string& name, const std::string& message) {
  std::lock_guard lock(mutex_);
  StreamErrorInfo info{stream_id, name, message, ++counts_[stream_id]};
  if (sink_) {
    sink_(info);
    return;
  }
  std::cerr << ("rill: " + name + ": " + message + " (error " + std::to_string(info.errors) +
                " of this stream, while the StreamingContext is not running)\n")
            << std::flush;
}

std::int64_t StreamErrors::count(int stream_id) const {
  std::lock_guard lock(mutex_);
  auto it = counts_.find(stream_id);
  return it == counts_.end() ? 0 : it->second;
}

void StreamErrors::set_sink(Sink sink) {
  std::lock_guard lock(mutex_);
  sink_ = std::move(sink);
}

}  // namespace rill::detail
