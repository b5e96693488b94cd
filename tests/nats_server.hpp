// A nats-server with JetStream for tests and benchmarks: started on a free 127.0.0.1 port
// with its store in a temp dir, stopped (and the dir removed) by the destructor, also when
// a test fails. A missing nats-server binary is an exception (CI installs it: the test
// fails rather than skips). NatsPublisher publishes synchronously (each message acked by
// JetStream) or asynchronously (acks awaited by flush()).
#pragma once
#include <arpa/inet.h>
#include <nats/nats.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace rill::test {

inline int free_tcp_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0)
    throw std::runtime_error("free_tcp_port: no port");
  ::close(fd);
  return ntohs(a.sin_port);
}

inline bool port_open(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

class NatsServer {
 public:
  NatsServer() : port_(free_tcp_port()) {
    for (const char* p : {"/usr/sbin/nats-server", "/usr/bin/nats-server"})
      if (std::filesystem::exists(p)) binary_ = p;
    if (binary_.empty())
      throw std::runtime_error("nats-server not found (Debian package nats-server, see .ci/deps)");
    std::string tmpl = (std::filesystem::temp_directory_path() / "rill-nats-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    dir_ = tmpl;
    start();
  }
  ~NatsServer() {
    stop();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  NatsServer(const NatsServer&) = delete;
  NatsServer& operator=(const NatsServer&) = delete;

  std::string url() const { return "nats://127.0.0.1:" + std::to_string(port_); }
  int port() const { return port_; }

  // Same port, same store: JetStream keeps its streams across a restart.
  void start() {
    if (pid_ > 0) return;
    const auto port = std::to_string(port_), store = (dir_ / "js").string(),
               log = (dir_ / "server.log").string();
    std::vector<std::string> args{binary_, "-js", "-a",  "127.0.0.1", "-p",
                                  port,    "-sd", store, "-l",        log};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    // The child only execs: this process has other threads.
    pid_ = ::fork();
    if (pid_ == 0) {
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    if (pid_ < 0) throw std::runtime_error("fork failed");
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!port_open(port_)) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        throw std::runtime_error("nats-server exited at start (log: " + log + ")");
      }
      if (std::chrono::steady_clock::now() > deadline)
        throw std::runtime_error("nats-server did not listen on " + port);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

 private:
  int port_;
  std::string binary_;
  std::filesystem::path dir_;
  pid_t pid_ = -1;
};

class NatsPublisher {
 public:
  explicit NatsPublisher(const std::string& url) {
    natsOptions* o = nullptr;
    natsOptions_Create(&o);
    natsOptions_SetURL(o, url.c_str());
    natsOptions_SetAllowReconnect(o, true);
    natsOptions_SetMaxReconnect(o, -1);
    natsOptions_SetReconnectWait(o, 50);
    check(natsConnection_Connect(&nc_, o), "connect " + url);
    natsOptions_Destroy(o);
    jsOptions jo;
    jsOptions_Init(&jo);
    jo.Wait = 5000;
    jo.PublishAsync.MaxPending = 4096;
    check(natsConnection_JetStream(&js_, nc_, &jo), "JetStream");
  }
  ~NatsPublisher() {
    jsCtx_Destroy(js_);
    natsConnection_Destroy(nc_);
  }
  NatsPublisher(const NatsPublisher&) = delete;
  NatsPublisher& operator=(const NatsPublisher&) = delete;

  void add_stream(const std::string& name, std::vector<std::string> subjects) {
    std::vector<const char*> subj;
    for (auto& s : subjects) subj.push_back(s.c_str());
    jsStreamConfig cfg;
    jsStreamConfig_Init(&cfg);
    cfg.Name = name.c_str();
    cfg.Subjects = subj.data();
    cfg.SubjectsLen = static_cast<int>(subj.size());
    cfg.Storage = js_FileStorage;
    jsStreamInfo* si = nullptr;
    check(js_AddStream(&si, js_, &cfg, nullptr, nullptr), "add stream " + name);
    jsStreamInfo_Destroy(si);
  }
  // The stream sequence JetStream gave the message.
  std::uint64_t publish(const std::string& subject, const std::string& payload) {
    jsPubAck* ack = nullptr;
    check(js_Publish(&ack, js_, subject.c_str(), payload.data(), static_cast<int>(payload.size()),
                     nullptr, nullptr),
          "publish " + subject);
    const auto seq = ack->Sequence;
    jsPubAck_Destroy(ack);
    return seq;
  }
  void publish_async(const std::string& subject, const std::string& payload) {
    check(js_PublishAsync(js_, subject.c_str(), payload.data(), static_cast<int>(payload.size()),
                          nullptr),
          "publish " + subject);
  }
  void flush() {
    jsPubOptions po;
    jsPubOptions_Init(&po);
    po.MaxWait = 10000;
    check(js_PublishAsyncComplete(js_, &po), "publish complete");
  }

 private:
  static void check(natsStatus s, const std::string& what) {
    if (s != NATS_OK)
      throw std::runtime_error("NatsPublisher: " + what + ": " + natsStatus_GetText(s));
  }
  natsConnection* nc_ = nullptr;
  jsCtx* js_ = nullptr;
};

}  // namespace rill::test
