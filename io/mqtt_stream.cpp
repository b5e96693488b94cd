// StreamingContext::mqtt_stream (Spark's MQTTUtils.createStream): a receiver stream whose
// receiver is an MqttReceiver. Defined here so that the dstream layer does not depend on
// libmosquitto.
#include <memory>
#include <rill/dstream/receiver_input_stream.hpp>
#include <rill/dstream/streaming_context.hpp>
#include <rill/io/mqtt_receiver.hpp>
#include <utility>

namespace rill {

DStream<MqttMessage> StreamingContext::mqtt_stream(const std::string& broker_uri,
                                                   const std::string& topic, int qos,
                                                   MqttOptions options) {
  std::unique_ptr<Receiver<MqttMessage>> receiver =
      std::make_unique<detail::MqttReceiver>(broker_uri, topic, qos, std::move(options));
  return receiver_stream(std::move(receiver));
}

}  // namespace rill
