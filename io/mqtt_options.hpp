// MqttOptions: how mqtt_stream talks to its broker (session, reconnects, limits).
#pragma once
#include <chrono>
#include <cstddef>
#include <string>

namespace rill {

struct MqttOptions {
  // Empty: "rill-" + a hash of broker URI, topic and QoS, the same in every run, so a
  // restarted job resumes its persistent session. Two streams on one broker with the
  // same topic need distinct ids (the broker disconnects a client whose id is reused).
  std::string client_id;
  // false: a persistent session; the broker keeps the subscription and queues QoS 1/2
  // messages while the receiver is away (broker restart, job restart).
  bool clean_session = false;
  std::string username;  // empty: anonymous
  std::string password;
  int keepalive_seconds = 10;  // 0 (none) or 5-65535
  // Payloads larger than this are skipped, counted and reported (libmosquitto has read
  // them already; the limit keeps them out of blocks and the write-ahead log).
  std::size_t max_payload_bytes = 1 << 20;
  // What was read is stored as one block when the socket has nothing more for the
  // moment, or when the block reaches max_block_messages or is flush_interval old. QoS
  // 1/2 acknowledgements go out only after that store() returned (with the write-ahead
  // log: once the block is durable), so a kill -9 loses no QoS 1 message; these also
  // bound how long the broker waits for them.
  std::size_t max_block_messages = 4096;
  std::chrono::milliseconds flush_interval{5};
  std::chrono::milliseconds initial_backoff{50};  // reconnect delay, doubled per failure
  std::chrono::milliseconds max_backoff{2000};
};

}  // namespace rill
