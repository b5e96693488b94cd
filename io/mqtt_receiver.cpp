#include <mosquitto.h>
#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <rill/io/mqtt_receiver.hpp>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

namespace rill::detail {

namespace {

using SteadyClock = std::chrono::steady_clock;

// The loop waits at most this long for the socket, so is_stopped() and keepalive are
// looked at this often when the broker is quiet.
constexpr int kLoopTimeoutMs = 5;
constexpr std::chrono::milliseconds kStopPollInterval{10};

void init_library() {
  static std::once_flag once;
  // Not thread safe itself, and it must run before the first mosquitto_new.
  std::call_once(once, [] { mosquitto_lib_init(); });
}

std::string default_client_id(const std::string& uri, const std::string& topic, int qos) {
  std::uint64_t h = 1469598103934665603ull;  // FNV-1a: the same in every run and build
  for (const auto& part : {uri, std::string("\n"), topic, std::string("\n"), std::to_string(qos)})
    for (unsigned char c : part) h = (h ^ c) * 1099511628211ull;
  char buf[24];
  std::snprintf(buf, sizeof buf, "rill-%016llx", static_cast<unsigned long long>(h));
  return buf;  // 21 characters: within MQTT 3.1.1's 23
}

std::string error_text(int rc) {
  if (rc == MOSQ_ERR_ERRNO) return std::strerror(errno);
  return mosquitto_strerror(rc);
}

}  // namespace

const char* to_string(MqttState s) {
  switch (s) {
    case MqttState::stopped:
      return "stopped";
    case MqttState::connecting:
      return "connecting";
    case MqttState::connected:
      return "connected";
    case MqttState::backing_off:
      return "backing off";
  }
  return "?";
}

// One run of on_start. Everything here runs on the receiver thread: libmosquitto calls
// the callbacks from inside mosquitto_loop_read, on the calling thread.
//
// Acknowledge only what is stored. libmosquitto 2.0 queues the PUBACK of a QoS 1 message
// before it calls on_message, and unthreaded it writes it at once; threaded
// (mosquitto_threaded_set) it only queues it, and it goes on the wire when we call
// mosquitto_loop_write. So the loop is ours, on mosquitto_socket(): read while the
// socket has data, store what was read as one block when it has none for the moment (or
// the block is full or old), and write libmosquitto's queue (PUBACKs, and CONNECT,
// SUBSCRIBE, PINGREQ) only while nothing read is unstored. With the write-ahead log,
// store() returns once the block is durable, so a kill -9 leaves every unstored message
// unacknowledged, and the broker redelivers it to the restarted job's session.
class MqttSession {
 public:
  explicit MqttSession(MqttReceiver& r)
      : r_(r),
        initial_backoff_(std::max(r.options_.initial_backoff, std::chrono::milliseconds(1))),
        max_backoff_(std::max(r.options_.max_backoff, initial_backoff_)),
        backoff_(initial_backoff_) {
    init_library();
    mosq_ = mosquitto_new(r.options_.client_id.c_str(), r.options_.clean_session, this);
    if (!mosq_)
      throw std::runtime_error(r.name() + ": mosquitto_new failed: " + std::strerror(errno));
    mosquitto_int_option(mosq_, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
    mosquitto_threaded_set(mosq_, true);  // see above: packets are only queued
    if (!r.options_.username.empty())
      mosquitto_username_pw_set(
          mosq_, r.options_.username.c_str(),
          r.options_.password.empty() ? nullptr : r.options_.password.c_str());
    mosquitto_connect_callback_set(mosq_, [](mosquitto*, void* self, int rc) {
      static_cast<MqttSession*>(self)->on_connack(rc);
    });
    mosquitto_subscribe_callback_set(mosq_,
                                     [](mosquitto*, void* self, int, int n, const int* granted) {
                                       static_cast<MqttSession*>(self)->on_suback(n, granted);
                                     });
    mosquitto_message_callback_set(mosq_, [](mosquitto*, void* self, const mosquitto_message* m) {
      static_cast<MqttSession*>(self)->on_message(*m);
    });
  }
  // Closes the socket without a DISCONNECT or the queued acknowledgements: after a failed
  // store the broker redelivers what it was not told we have.
  ~MqttSession() {
    mosquitto_destroy(mosq_);
    r_.state_.store(MqttState::stopped, std::memory_order_relaxed);
  }
  MqttSession(const MqttSession&) = delete;
  MqttSession& operator=(const MqttSession&) = delete;

  void run() {
    while (!r_.is_stopped()) {
      if (!tcp_open_ && !connect()) {
        wait_backoff();
        continue;
      }
      const int rc = step();
      if (rc != MOSQ_ERR_SUCCESS) connection_lost(rc);
    }
    flush();  // what arrived before the stop belongs to the stream (graceful stop)
    if (tcp_open_) {
      // Stored: the acknowledgements may go, then a clean DISCONNECT (best effort).
      mosquitto_loop_write(mosq_, 1);
      mosquitto_disconnect(mosq_);
      mosquitto_loop_write(mosq_, 1);
    }
  }

 private:
  // One turn of the loop; an error means the connection is gone (libmosquitto closed it).
  int step() {
    const int fd = mosquitto_socket(mosq_);
    if (fd < 0) return MOSQ_ERR_NO_CONN;
    // Only while every message read so far is stored: the queue holds their PUBACKs.
    const bool may_write = pending_.empty() && mosquitto_want_write(mosq_);
    if (may_write) {
      const int rc = mosquitto_loop_write(mosq_, 1);  // all it can without blocking
      if (rc != MOSQ_ERR_SUCCESS) return rc;
    }
    pollfd p{fd, POLLIN, 0};
    if (may_write && mosquitto_want_write(mosq_)) p.events |= POLLOUT;  // the rest, later
    // With messages to store, only look whether more are there already.
    const int n = ::poll(&p, 1, pending_.empty() ? kLoopTimeoutMs : 0);
    if (n < 0 && errno != EINTR) return MOSQ_ERR_ERRNO;
    if (n > 0 && (p.revents & (POLLIN | POLLERR | POLLHUP | POLLNVAL))) {
      const int rc = mosquitto_loop_read(mosq_, 1);  // one packet, or what is there of one
      if (rc != MOSQ_ERR_SUCCESS) return rc;
    }
    // The socket has nothing more for now, or the block is full or old: store it, so
    // that the next turn may acknowledge it. While the broker streams, messages wait
    // in pending_ for the block rather than a block per message; the broker's inflight
    // window (max_inflight_messages, 20 by default) bounds how many come unacknowledged.
    if (!pending_.empty() && (n == 0 || pending_.size() >= r_.options_.max_block_messages ||
                              SteadyClock::now() - first_pending_ >= r_.options_.flush_interval))
      flush();
    return mosquitto_loop_misc(mosq_);  // keepalive: queues a PINGREQ, or closes
  }

  bool connect() {
    r_.state_.store(MqttState::connecting, std::memory_order_relaxed);
    refused_ = false;
    // Non-blocking (only the name lookup blocks): a broker host that drops packets must
    // not hold stop() for the kernel's connect timeout. The TCP handshake, the queued
    // CONNECT and the CONNACK complete in step(); a failure there is a failed connect.
    const int rc = mosquitto_connect_async(mosq_, r_.broker_.host.c_str(), r_.broker_.port,
                                           r_.options_.keepalive_seconds);
    if (rc == MOSQ_ERR_SUCCESS) {
      tcp_open_ = true;  // the session counts from CONNACK, in on_connack
      return true;
    }
    failed("cannot connect to " + r_.uri_ + ": " + error_text(rc));
    return false;
  }

  void on_connack(int rc) {
    if (rc != 0) {
      // Refused (bad credentials, client id): the next read fails and we back off.
      refused_ = true;
      failed("broker " + r_.uri_ + " refused the connection: " + mosquitto_connack_string(rc));
      return;
    }
    const int sub = mosquitto_subscribe(mosq_, nullptr, r_.topic_.c_str(), r_.qos_);
    if (sub != MOSQ_ERR_SUCCESS) {
      r_.report_error(r_.name() + ": subscribe failed: " + error_text(sub));
      return;
    }
    if (r_.connections_.fetch_add(1, std::memory_order_relaxed) > 0)
      r_.reconnects_.fetch_add(1, std::memory_order_relaxed);
    r_.state_.store(MqttState::connected, std::memory_order_relaxed);
    failing_ = false;
    backoff_ = initial_backoff_;  // the broker is alive: the next reconnect is quick
  }

  void on_suback(int n, const int* granted) {
    for (int i = 0; i < n; ++i) {
      if (granted[i] <= 2) {
        r_.subscriptions_.fetch_add(1, std::memory_order_relaxed);
        continue;
      }
      // 0x80: the broker refused the subscription (an ACL, say)
      r_.report_error(r_.name() + ": broker " + r_.uri_ + " refused the subscription to '" +
                      r_.topic_ + "'");
    }
  }

  void on_message(const mosquitto_message& m) {
    const auto len = static_cast<std::size_t>(std::max(m.payloadlen, 0));
    if (len > r_.options_.max_payload_bytes) {
      const auto total = r_.oversized_.fetch_add(1, std::memory_order_relaxed) + 1;
      // Every skipped message is a lost message to the user: each one is reported.
      r_.report_error(
          r_.name() + ": skipped a message of " + std::to_string(len) + " bytes on '" + m.topic +
          "', over max_payload_bytes = " + std::to_string(r_.options_.max_payload_bytes) + " (" +
          std::to_string(total) + " skipped in total)");
      return;
    }
    if (pending_.empty()) {
      first_pending_ = SteadyClock::now();
      pending_.reserve(last_block_size_);
    }
    MqttMessage msg;
    msg.topic = m.topic;
    msg.payload.assign(static_cast<const char*>(m.payload), len);
    msg.arrival =
        std::chrono::duration_cast<Time>(std::chrono::system_clock::now().time_since_epoch());
    msg.qos = m.qos;
    msg.retain = m.retain;
    pending_.push_back(std::move(msg));
  }

  void flush() {
    if (pending_.empty()) return;
    last_block_size_ = pending_.size();
    // Counted once stored, so a test that saw messages() reach n knows the next batch
    // allocated has all n (counting before the store let a batch miss the last block).
    const auto n = pending_.size();
    r_.store(std::exchange(pending_, {}));  // with the WAL: returns once durable
    r_.messages_.fetch_add(n, std::memory_order_release);
  }

  void connection_lost(int rc) {
    flush();
    tcp_open_ = false;
    if (r_.state_.load(std::memory_order_relaxed) == MqttState::connected) {
      r_.losses_.fetch_add(1, std::memory_order_relaxed);
      r_.report_error(r_.name() + ": connection to " + r_.uri_ + " lost: " + error_text(rc) +
                      "; reconnecting");
    } else if (!refused_) {  // a refused CONNACK was reported in on_connack already
      failed("cannot connect to " + r_.uri_ + ": " + error_text(rc));
    }
    wait_backoff();
  }

  // One report per streak of failures; the retries themselves are expected.
  void failed(const std::string& what) {
    r_.failed_connects_.fetch_add(1, std::memory_order_relaxed);
    if (failing_) return;
    failing_ = true;
    r_.report_error(r_.name() + ": " + what + "; retrying with backoff up to " +
                    std::to_string(max_backoff_.count()) + " ms");
  }

  void wait_backoff() {
    r_.state_.store(MqttState::backing_off, std::memory_order_relaxed);
    const auto until = SteadyClock::now() + backoff_;
    backoff_ = std::min(backoff_ * 2, max_backoff_);
    while (!r_.is_stopped() && SteadyClock::now() < until)
      std::this_thread::sleep_for(
          std::min<SteadyClock::duration>(kStopPollInterval, until - SteadyClock::now()));
  }

  MqttReceiver& r_;
  mosquitto* mosq_ = nullptr;
  bool tcp_open_ = false;  // mosquitto_connect_async succeeded and no loop error since
  bool failing_ = false;   // the last connect attempt failed
  bool refused_ = false;   // this attempt's CONNACK refused the connection
  const std::chrono::milliseconds initial_backoff_;
  const std::chrono::milliseconds max_backoff_;
  std::chrono::milliseconds backoff_;
  std::vector<MqttMessage> pending_;  // arrived, not yet stored
  SteadyClock::time_point first_pending_;
  std::size_t last_block_size_ = 64;
};

MqttReceiver::MqttReceiver(const std::string& broker_uri, std::string topic, int qos,
                           MqttOptions options)
    : uri_(broker_uri),
      broker_(MqttUri::parse(broker_uri)),
      topic_(std::move(topic)),
      qos_(qos),
      options_(std::move(options)) {
  auto bad = [&](const std::string& what) {
    throw std::invalid_argument("mqtt_stream(" + uri_ + ", '" + topic_ + "'): " + what);
  };
  if (qos < 0 || qos > 2) bad("qos " + std::to_string(qos) + " is not 0, 1 or 2");
  if (topic_.empty() || mosquitto_sub_topic_check(topic_.c_str()) != MOSQ_ERR_SUCCESS ||
      mosquitto_validate_utf8(topic_.c_str(), static_cast<int>(topic_.size())) != MOSQ_ERR_SUCCESS)
    bad("topic filter '" + topic_ + "' is not valid (empty, bad UTF-8, or a misplaced + or #)");
  if (options_.keepalive_seconds != 0 &&
      (options_.keepalive_seconds < 5 || options_.keepalive_seconds > 65535))
    bad("keepalive_seconds " + std::to_string(options_.keepalive_seconds) + " is not 0 or 5-65535");
  if (options_.max_block_messages == 0) bad("max_block_messages 0 must be at least 1");
  if (options_.max_payload_bytes == 0) bad("max_payload_bytes 0 must be at least 1");
  if (options_.client_id.empty()) options_.client_id = default_client_id(uri_, topic_, qos_);
  if (options_.client_id.size() > 65535 ||
      mosquitto_validate_utf8(options_.client_id.c_str(),
                              static_cast<int>(options_.client_id.size())) != MOSQ_ERR_SUCCESS)
    bad("client_id '" + options_.client_id + "' is not valid UTF-8 of at most 65535 bytes");
}

std::string MqttReceiver::name() const {
  return "MqttReceiver(" + uri_ + ", " + topic_ + ")";
}

void MqttReceiver::on_start() {
  std::string failure;
  try {
    MqttSession session(*this);
    session.run();
  } catch (const std::exception& e) {
    failure = e.what();
  }
  // Anything unexpected (the sink refused a store, out of memory) goes to the supervisor,
  // which restarts the receiver after a pause, as Spark's does.
  if (!failure.empty() && !is_stopped()) {
    try {
      restart(name() + ": " + failure);
    } catch (...) {
      // No sink to restart through: the receiver is being torn down anyway.
    }
  }
}

}  // namespace rill::detail
