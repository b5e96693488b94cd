// MqttMessage: one message of mqtt_stream (Spark's MQTTUtils.createStream gives the
// payload only; the topic and arrival time come along here, since a wildcard
// subscription needs the topic and monitoring wants the arrival time). A plain value:
// two strings, copied once out of libmosquitto's buffer.
#pragma once
#include <istream>
#include <ostream>
#include <rill/dstream/time.hpp>
#include <rill/rdd/serializer.hpp>
#include <string>

namespace rill {

struct MqttMessage {
  std::string topic;
  std::string payload;  // the bytes as published: not checked for UTF-8, may hold '\0'
  Time arrival{0};      // system clock, ms since the Unix epoch, when the receiver got it
  int qos = 0;          // the QoS it was delivered with (min of publish and subscribe QoS)
  bool retain = false;  // a retained message the broker replayed on subscribe

  bool operator==(const MqttMessage&) const = default;
};

// For the write-ahead log and checkpoints.
template <>
struct Serializer<MqttMessage> {
  static void write(std::ostream& os, const MqttMessage& m) {
    Serializer<std::string>::write(os, m.topic);
    Serializer<std::string>::write(os, m.payload);
    Serializer<Time>::write(os, m.arrival);
    Serializer<int>::write(os, m.qos);
    Serializer<bool>::write(os, m.retain);
  }
  static MqttMessage read(std::istream& is) {
    MqttMessage m;
    m.topic = Serializer<std::string>::read(is);
    m.payload = Serializer<std::string>::read(is);
    m.arrival = Serializer<Time>::read(is);
    m.qos = Serializer<int>::read(is);
    m.retain = Serializer<bool>::read(is);
    return m;
  }
};

}  // namespace rill
