// JetStreamMessage: one message of a NATS JetStream stream as jetstream_direct_stream
// gives it (Spark's ConsumerRecord of the Kafka direct stream): subject, stream sequence,
// payload and the server's store time. A rill::Serializer is built in, so windows and
// state over messages are checkpointed. Cost: two strings per message.
#pragma once
#include <compare>
#include <cstdint>
#include <rill/dstream/time.hpp>
#include <rill/rdd/serializer.hpp>
#include <string>

namespace rill {

struct JetStreamMessage {
  std::string subject;
  std::uint64_t sequence = 0;  // the stream sequence: unique and increasing in the stream
  std::string payload;
  Time timestamp{0};  // when the server stored it, ms since the Unix epoch
  auto operator<=>(const JetStreamMessage&) const = default;
};

template <>
struct Serializer<JetStreamMessage> {
  static void write(std::ostream& os, const JetStreamMessage& m) {
    Serializer<std::string>::write(os, m.subject);
    Serializer<std::uint64_t>::write(os, m.sequence);
    Serializer<std::string>::write(os, m.payload);
    Serializer<std::int64_t>::write(os, m.timestamp.count());
  }
  static JetStreamMessage read(std::istream& is) {
    JetStreamMessage m;
    m.subject = Serializer<std::string>::read(is);
    m.sequence = Serializer<std::uint64_t>::read(is);
    m.payload = Serializer<std::string>::read(is);
    m.timestamp = Time{Serializer<std::int64_t>::read(is)};
    return m;
  }
};

}  // namespace rill
