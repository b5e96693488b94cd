// JetStreamClient: the few NATS JetStream requests the direct stream needs, over the C
// client (libnats, cnats 3.4): a stream's first and last sequence, and the messages of a
// sequence range, read by a short-lived ephemeral pull consumer that starts at the
// range's first sequence (no acks, deleted when the range is read). One connection,
// reconnecting on its own; not thread safe (one per stream, used by the generator).
#pragma once
#include <cstdint>
#include <memory>
#include <rill/dstream/time.hpp>
#include <rill/io/jetstream_message.hpp>
#include <stdexcept>
#include <string>
#include <vector>

namespace rill::detail {

// A request that failed: server down, timeout, unknown stream. The message names the
// server, the stream and what failed.
struct JetStreamError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class JetStreamClient {
 public:
  // Does not connect yet: the first request does (and a later one after a failure).
  JetStreamClient(std::string server_url, Duration request_timeout);
  ~JetStreamClient();
  JetStreamClient(const JetStreamClient&) = delete;
  JetStreamClient& operator=(const JetStreamClient&) = delete;

  struct StreamState {
    std::uint64_t first_sequence = 0;  // the oldest message still stored
    std::uint64_t last_sequence = 0;   // 0: nothing was ever published
  };
  StreamState stream_state(const std::string& stream);

  // Appends to out the messages of `stream` with a sequence in [from, to] whose subject
  // matches `filter`, in sequence order. to must be at most the stream's last sequence.
  void read_range(const std::string& stream, const std::string& filter, std::uint64_t from,
                  std::uint64_t to, std::vector<JetStreamMessage>& out);

  const std::string& url() const { return url_; }

 private:
  struct Connection;
  Connection& connection();
  [[noreturn]] void fail(const std::string& what, int status);

  const std::string url_;
  const Duration timeout_;
  std::unique_ptr<Connection> conn_;
};

}  // namespace rill::detail
