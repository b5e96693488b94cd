// MqttReceiver: the receiver behind mqtt_stream (Spark's MQTTReceiver), a libmosquitto
// client run on the receiver thread. It stores what it read as a block whenever the
// socket runs dry (or at MqttOptions::max_block_messages / flush_interval) and lets the
// QoS 1/2 acknowledgements out only after that store() returned: with the write-ahead
// log, once the block is durable. It never gives up: a broker that is down or
// goes away is retried with a backoff doubling up to max_backoff; each streak of
// failures and each lost connection is reported as a receiver error.
#pragma once
#include <atomic>
#include <cstdint>
#include <rill/dstream/receiver.hpp>
#include <rill/io/mqtt_message.hpp>
#include <rill/io/mqtt_options.hpp>
#include <rill/io/mqtt_uri.hpp>
#include <string>

namespace rill::detail {

enum class MqttState { stopped, connecting, connected, backing_off };
const char* to_string(MqttState s);

class MqttSession;

class MqttReceiver final : public Receiver<MqttMessage> {
 public:
  // Throws std::invalid_argument naming the bad URI, topic filter, QoS or option.
  MqttReceiver(const std::string& broker_uri, std::string topic, int qos, MqttOptions options = {});

  // Connects, subscribes and reads until is_stopped() (looked at every ~10 ms).
  void on_start() override;
  void on_stop() override {}
  std::string name() const override;

  // State and counters over the receiver's whole life, for tests and monitoring.
  MqttState state() const { return state_.load(std::memory_order_relaxed); }
  // Messages whose store() has returned: a batch allocated after this read has them.
  std::uint64_t messages() const { return messages_.load(std::memory_order_acquire); }
  std::uint64_t oversized_messages() const { return oversized_.load(std::memory_order_relaxed); }
  std::uint64_t connections() const { return connections_.load(std::memory_order_relaxed); }
  // Sessions established (CONNACK accepted) after the first one.
  std::uint64_t reconnects() const { return reconnects_.load(std::memory_order_relaxed); }
  std::uint64_t failed_connects() const { return failed_connects_.load(std::memory_order_relaxed); }
  std::uint64_t connection_losses() const { return losses_.load(std::memory_order_relaxed); }
  // Subscriptions the broker granted (one per session): from then on it queues for us.
  std::uint64_t subscriptions() const { return subscriptions_.load(std::memory_order_relaxed); }

  const std::string& topic() const { return topic_; }
  const std::string& client_id() const { return options_.client_id; }
  const MqttUri& broker() const { return broker_; }

 private:
  friend class MqttSession;  // one connect-read-reconnect loop, in the .cpp

  const std::string uri_;
  const MqttUri broker_;
  const std::string topic_;
  const int qos_;
  MqttOptions options_;  // client_id filled in by the constructor, then constant

  std::atomic<MqttState> state_{MqttState::stopped};
  std::atomic<std::uint64_t> messages_{0};
  std::atomic<std::uint64_t> oversized_{0};
  std::atomic<std::uint64_t> connections_{0};
  std::atomic<std::uint64_t> reconnects_{0};
  std::atomic<std::uint64_t> failed_connects_{0};
  std::atomic<std::uint64_t> losses_{0};
  std::atomic<std::uint64_t> subscriptions_{0};
};

}  // namespace rill::detail
