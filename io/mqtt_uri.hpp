// MqttUri: the broker address of mqtt_stream, "mqtt://host[:port]" or "tcp://host[:port]"
// (Spark's MQTTUtils takes paho's "tcp://host:port"); the port defaults to 1883 and an
// IPv6 host is written in brackets. TLS and websockets are not supported.
#pragma once
#include <string>

namespace rill::detail {

struct MqttUri {
  std::string host;
  int port = 1883;

  // Throws std::invalid_argument naming the URI and what is wrong with it.
  static MqttUri parse(const std::string& uri);
};

}  // namespace rill::detail
