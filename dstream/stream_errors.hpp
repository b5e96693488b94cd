// StreamErrors: the errors of input streams that are not receivers, counted per stream
// and handed to a sink, the JobScheduler's listener bus (on_stream_error), while the
// context runs. Spark has no such event; its file streams only log. One per DStreamGraph.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <rill/dstream/streaming_listener.hpp>
#include <string>

namespace rill::detail {

class StreamErrors {
 public:
  using Sink = std::function<void(const StreamErrorInfo&)>;

  // Any thread. Without a sink (before start(), after stop()) the error is counted and
  // printed on stderr, since no listener can get it.
  void report(int stream_id, const std::string& name, const std::string& message);
  std::int64_t count(int stream_id) const;
  // Empty to remove. Once it returns, the previous sink is not called any more.
  void set_sink(Sink sink);

 private:
  mutable std::mutex mutex_;
  // Guarded by mutex_, also while the sink runs: counts reach the sink in order, and
  // set_sink waits for a running call.
  std::map<int, std::int64_t> counts_;
  Sink sink_;
};

}  // namespace rill::detail
