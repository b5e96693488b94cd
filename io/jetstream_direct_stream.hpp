// jetstream_direct_stream: a direct (receiver-less) input stream over a NATS JetStream
// stream, Spark's Kafka direct stream (KafkaUtils.createDirectStream) for JetStream. Each
// batch takes the sequence range [next, last stored] of the stream (capped by the rate
// limit), one RDD partition per subject filter; in a context made by get_or_create the
// range is logged in the checkpoint before any output sees it, so a batch re-run after a
// crash reads exactly the same messages: exactly-once input, no write-ahead log of data.
// Cost: per batch one stream-info request and one short-lived pull consumer per filter;
// messages are read on the job generator's thread and held as the batch's partitions.
#pragma once
#include <chrono>
#include <cstdint>
#include <rill/dstream/dstream.hpp>
#include <rill/io/jetstream_message.hpp>
#include <string>
#include <vector>

namespace rill {

class StreamingContext;

struct JetStreamOptions {
  // Where a fresh start begins: 1 = the oldest stored message; 0 = only messages
  // published after the stream's first batch (Kafka's "latest"). A restart always
  // continues where the checkpoint says.
  std::uint64_t start_sequence = 1;
  // Each request to the server (connect, stream info, one fetch).
  std::chrono::milliseconds request_timeout{2000};
  // A batch re-run after a restart must read its logged range; while the server is down
  // it retries (each failure reported) this long, then the batch fails naming the range.
  std::chrono::milliseconds replay_timeout{30000};
};

// server_url: "nats://host:port" (or "tls://"); stream: the JetStream stream's name;
// subjects: disjoint subject filters, one RDD partition each (none: one partition with
// the whole stream). Bad values are a std::invalid_argument naming them, at definition.
// Config::receiver_max_rate caps messages/s of the stream; Config::backpressure adapts it.
// A server that is down or a stream that does not exist is reported to the listeners
// (on_stream_error) every batch it lasts; those batches are empty and lose nothing.
DStream<JetStreamMessage> jetstream_direct_stream(StreamingContext& ssc,
                                                  const std::string& server_url,
                                                  const std::string& stream,
                                                  std::vector<std::string> subjects = {},
                                                  JetStreamOptions options = {});

}  // namespace rill
