// A mosquitto broker for tests and benchmarks: started on a free 127.0.0.1 port with its
// config, persistence and log in a temp dir, stopped (and the dir removed) by the
// destructor, also when a test fails. A missing mosquitto binary is an exception, so
// the test fails rather than skips (CI installs it: .ci/deps). Also a small libmosquitto
// publisher that waits for the broker's acknowledgements, and a way to create a
// subscriber's persistent session before the subscriber first runs.
#pragma once
#include <fcntl.h>
#include <mosquitto.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "io/loopback_port.hpp"

extern char** environ;

namespace rill::test {

class MosquittoBroker {
 public:
  // port 0: a free one. extra_config: more lines for mosquitto.conf.
  explicit MosquittoBroker(int port = 0, std::string extra_config = {}, bool start_now = true)
      : port_(port ? port : free_loopback_port()), extra_config_(std::move(extra_config)) {
    char tmpl[] = "/tmp/rill-mosquitto-XXXXXX";
    if (!::mkdtemp(tmpl)) throw std::runtime_error("MosquittoBroker: mkdtemp failed");
    dir_ = tmpl;
    binary_ = find_binary();
    std::ofstream conf(dir_ / "mosquitto.conf");
    conf << "listener " << port_ << " 127.0.0.1\n"
         << "allow_anonymous true\n"
         << "persistence true\n"
         << "persistence_location " << dir_.string() << "/\n"
         << "max_queued_messages 0\n"  // no limit: a test must not lose messages to it
         << "log_dest file " << (dir_ / "mosquitto.log").string() << "\n"
         << "log_type error\nlog_type warning\nlog_type notice\n"
         // As root, mosquitto would switch to the user "mosquitto"; the temp dir is ours.
         << "user " << (::geteuid() == 0 ? "root" : "nobody") << "\n"
         << extra_config_ << "\n";
    conf.close();  // flushed before mosquitto reads it
    if (!start_now) return;
    try {
      start();
    } catch (...) {
      std::error_code ec;
      std::filesystem::remove_all(dir_, ec);
      throw;
    }
  }
  ~MosquittoBroker() {
    stop();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  MosquittoBroker(const MosquittoBroker&) = delete;
  MosquittoBroker& operator=(const MosquittoBroker&) = delete;

  void start() {
    if (pid_ > 0) return;
    const std::string conf = (dir_ / "mosquitto.conf").string();
    std::vector<std::string> args{binary_, "-c", conf};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    const std::string out = (dir_ / "stdout.log").string();
    posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    const int rc = ::posix_spawn(&pid_, binary_.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) {
      pid_ = -1;
      throw std::runtime_error("MosquittoBroker: cannot run " + binary_);
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!loopback_port_accepts(port_)) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        throw std::runtime_error("MosquittoBroker: mosquitto exited at start: " + log());
      }
      if (std::chrono::steady_clock::now() > deadline) {
        const auto text = log();
        stop();
        throw std::runtime_error("MosquittoBroker: port " + std::to_string(port_) +
                                 " not open after 10 s: " + text);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }

  // SIGTERM: mosquitto saves its persistence file (sessions, queued messages) and exits.
  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    int status = 0;
    while (::waitpid(pid_, &status, WNOHANG) != pid_) {
      if (std::chrono::steady_clock::now() > deadline) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    pid_ = -1;
  }

  int port() const { return port_; }
  std::string uri() const { return "mqtt://127.0.0.1:" + std::to_string(port_); }
  std::string log() const {
    std::ifstream in(dir_ / "mosquitto.log");
    std::ostringstream ss;
    ss << in.rdbuf();
    std::ifstream out(dir_ / "stdout.log");
    ss << out.rdbuf();
    return ss.str();
  }

 private:
  static std::string find_binary() {
    if (const char* env = std::getenv("RILL_MOSQUITTO")) return env;
    for (const char* p : {"/usr/sbin/mosquitto", "/usr/bin/mosquitto", "/usr/local/sbin/mosquitto"})
      if (::access(p, X_OK) == 0) return p;
    throw std::runtime_error(
        "mosquitto not found (looked in /usr/sbin, /usr/bin, /usr/local/sbin, $RILL_MOSQUITTO): "
        "install the Debian package mosquitto (.ci/deps)");
  }

  const int port_;
  const std::string extra_config_;
  std::filesystem::path dir_;
  std::string binary_;
  pid_t pid_ = -1;
};

// Publishes with libmosquitto's own network thread; wait_acked() returns once the broker
// acknowledged (QoS 1/2) or the client sent (QoS 0) everything published so far.
class MqttPublisher {
 public:
  explicit MqttPublisher(int port, const std::string& client_id = "rill-test-publisher") {
    static const int init = mosquitto_lib_init();  // once: the receiver never cleans up either
    (void)init;
    mosq_ = mosquitto_new(client_id.c_str(), true, this);
    if (!mosq_) throw std::runtime_error("MqttPublisher: mosquitto_new failed");
    mosquitto_publish_callback_set(mosq_, [](mosquitto*, void* self, int) {
      auto* p = static_cast<MqttPublisher*>(self);
      std::lock_guard lock(p->mutex_);
      ++p->acked_;
      p->cv_.notify_all();
    });
    const int rc = mosquitto_connect(mosq_, "127.0.0.1", port, 30);
    if (rc != MOSQ_ERR_SUCCESS) {
      mosquitto_destroy(mosq_);
      throw std::runtime_error("MqttPublisher: cannot connect to port " + std::to_string(port) +
                               ": " + mosquitto_strerror(rc));
    }
    mosquitto_loop_start(mosq_);
  }
  ~MqttPublisher() {
    mosquitto_disconnect(mosq_);
    mosquitto_loop_stop(mosq_, false);
    mosquitto_destroy(mosq_);
  }
  MqttPublisher(const MqttPublisher&) = delete;
  MqttPublisher& operator=(const MqttPublisher&) = delete;

  void publish(const std::string& topic, const std::string& payload, int qos = 1,
               bool retain = false) {
    const int rc = mosquitto_publish(mosq_, nullptr, topic.c_str(),
                                     static_cast<int>(payload.size()), payload.data(), qos, retain);
    if (rc != MOSQ_ERR_SUCCESS)
      throw std::runtime_error("MqttPublisher: publish failed: " +
                               std::string(mosquitto_strerror(rc)));
    std::lock_guard lock(mutex_);
    ++published_;
  }
  void wait_acked(std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
    std::unique_lock lock(mutex_);
    if (!cv_.wait_for(lock, timeout, [&] { return acked_ >= published_; }))
      throw std::runtime_error("MqttPublisher: " + std::to_string(published_ - acked_) +
                               " messages not acknowledged in time");
  }

 private:
  mosquitto* mosq_ = nullptr;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::uint64_t published_ = 0;  // guarded by mutex_
  std::uint64_t acked_ = 0;      // guarded by mutex_, written by the network thread
};

// Creates (or resumes) client_id's persistent session subscribed to topic and leaves it
// offline: from then on the broker queues QoS 1/2 messages on topic for client_id, also
// those published before that client first connects.
inline void subscribe_offline_session(int port, const std::string& client_id,
                                      const std::string& topic, int qos = 1) {
  static const int init = mosquitto_lib_init();
  (void)init;
  bool subscribed = false;
  mosquitto* m = mosquitto_new(client_id.c_str(), false, &subscribed);
  if (!m) throw std::runtime_error("subscribe_offline_session: mosquitto_new failed");
  mosquitto_subscribe_callback_set(
      m, [](mosquitto*, void* done, int, int, const int*) { *static_cast<bool*>(done) = true; });
  int rc = mosquitto_connect(m, "127.0.0.1", port, 30);
  if (rc == MOSQ_ERR_SUCCESS) rc = mosquitto_subscribe(m, nullptr, topic.c_str(), qos);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (rc == MOSQ_ERR_SUCCESS && !subscribed && std::chrono::steady_clock::now() < deadline)
    rc = mosquitto_loop(m, 10, 1);  // CONNACK, then SUBACK
  if (subscribed) {
    mosquitto_disconnect(m);
    mosquitto_loop(m, 10, 1);
  }
  mosquitto_destroy(m);
  if (!subscribed)
    throw std::runtime_error("subscribe_offline_session: no SUBACK for " + client_id + " on port " +
                             std::to_string(port) + ": " + mosquitto_strerror(rc));
}

}  // namespace rill::test
