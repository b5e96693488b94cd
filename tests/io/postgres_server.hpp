// PostgresServer: a throwaway PostgreSQL server for tests — a fresh data directory in a
// temp dir, then postgres on a free 127.0.0.1 port with its unix socket in that dir;
// stopped and removed by the destructor (so also when a test fails). Run as root (CI), the
// server runs as the user `nobody`, since postgres refuses root. The binaries are looked
// up in /usr/lib/postgresql/<version>/bin, then PATH; missing binaries are an error, never
// a skip (CI installs them). The data directory is a copy (`cp -a`, ~0.2 s) of a template
// that the first server of a machine initdb's (~2 s) into /tmp/rill_pg_template_<key>:
// ctest runs every gtest case as its own process, so a per-suite initdb ran once per case.
// PgClient: a plain libpq connection that tests read tables through.
#pragma once
#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace rill::test {

class PostgresServer {
 public:
  // fsync off (the default) for tests: a commit then costs no disk flush; on (benchmarks)
  // with 128 MB of shared buffers instead of 16 MB.
  explicit PostgresServer(bool fsync = false) : bin_(find_bin_dir()), fsync_(fsync) {
    char tmpl[] = "/tmp/rill_pg_XXXXXX";
    if (!::mkdtemp(tmpl)) throw std::runtime_error("PostgresServer: mkdtemp failed");
    dir_ = tmpl;
    if (::geteuid() == 0) {
      const passwd* pw = ::getpwnam("nobody");
      if (!pw) throw std::runtime_error("PostgresServer: running as root and no user 'nobody'");
      uid_ = pw->pw_uid;
      gid_ = pw->pw_gid;
      if (::chown(dir_.c_str(), uid_, gid_) != 0)
        throw std::runtime_error("PostgresServer: cannot chown " + dir_.string());
    }
    try {
      std::filesystem::permissions(dir_, std::filesystem::perms::owner_all |
                                             std::filesystem::perms::group_exec |
                                             std::filesystem::perms::others_exec);
      run({"/bin/cp", "-a", template_dir() + "/data", data_dir()}, "cp");
      start();
    } catch (...) {
      std::error_code ec;
      std::filesystem::remove_all(dir_, ec);
      throw;
    }
  }
  ~PostgresServer() {
    try {
      if (running_) stop();
    } catch (...) {
    }
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  // A new port the first time; the same one on a restart, so clients can reconnect.
  void start() {
    if (port_ == 0) port_ = free_port();
    run({bin_ + "/pg_ctl", "-D", data_dir(), "-l", (dir_ / "server.log").string(), "-w", "-t", "60",
         "-o",
         "-p " + std::to_string(port_) + " -k " + dir_.string() + " -c listen_addresses=127.0.0.1" +
             (fsync_ ? "" : " -F") + " -c shared_buffers=" + (fsync_ ? "128MB" : "16MB") +
             " -c max_connections=30",
         "start"},
        "pg_ctl start");
    running_ = true;
  }
  // fast: clients' sessions are ended; immediate: as a crash (recovery at the next start).
  void stop(const char* mode = "fast") {
    run({bin_ + "/pg_ctl", "-D", data_dir(), "-m", mode, "-w", "-t", "60", "stop"}, "pg_ctl stop");
    running_ = false;
  }

  int port() const { return port_; }
  std::string conninfo() const {
    return "host=127.0.0.1 port=" + std::to_string(port_) + " user=rill dbname=postgres";
  }

 private:
  std::string data_dir() const { return (dir_ / "data").string(); }

  // The initdb'ed template, made once per machine, PostgreSQL binaries and user: initdb
  // into a fresh temp dir, then rename() into place, so concurrent test processes never
  // see a half-made one (the loser of a race drops its own). Never started itself.
  std::string template_dir() const {
    const std::vector<std::string> initdb = {bin_ + "/initdb", "-U",        "rill",
                                             "--auth=trust",   "-E",        "UTF8",
                                             "--locale=C",     "--no-sync", "--no-instructions"};
    std::string key = std::to_string(::geteuid());
    for (const auto& a : initdb) key += " " + a;
    const std::filesystem::path dir =
        std::filesystem::temp_directory_path() /
        ("rill_pg_template_" + std::to_string(std::hash<std::string>{}(key)));
    if (std::filesystem::exists(dir / "data" / "PG_VERSION")) return dir.string();
    const std::filesystem::path fresh = dir_ / "template";  // in this server's dir: ours
    std::filesystem::create_directory(fresh);
    if (uid_ != 0 && ::chown(fresh.c_str(), uid_, gid_) != 0)
      throw std::runtime_error("PostgresServer: cannot chown " + fresh.string());
    std::vector<std::string> args = initdb;
    args.insert(args.begin() + 1, {"-D", (fresh / "data").string()});
    run(args, "initdb");
    std::filesystem::permissions(fresh, std::filesystem::perms::owner_all |
                                            std::filesystem::perms::group_exec |
                                            std::filesystem::perms::others_exec);
    std::error_code ec;
    std::filesystem::rename(fresh, dir, ec);  // fails if another process was first
    if (ec) std::filesystem::remove_all(fresh, ec);
    if (!std::filesystem::exists(dir / "data" / "PG_VERSION"))
      throw std::runtime_error("PostgresServer: no template data directory in " + dir.string());
    return dir.string();
  }

  static std::string find_bin_dir() {
    std::vector<std::filesystem::path> found;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator("/usr/lib/postgresql", ec))
      if (std::filesystem::exists(e.path() / "bin" / "pg_ctl")) found.push_back(e.path() / "bin");
    if (!found.empty()) return std::max_element(found.begin(), found.end())->string();
    const char* path = std::getenv("PATH");
    std::stringstream dirs(path ? path : "");
    for (std::string d; std::getline(dirs, d, ':');)
      if (!d.empty() && ::access((d + "/pg_ctl").c_str(), X_OK) == 0 &&
          ::access((d + "/initdb").c_str(), X_OK) == 0)
        return d;
    throw std::runtime_error(
        "PostgresServer: initdb/pg_ctl not found in /usr/lib/postgresql/*/bin or PATH "
        "(Debian package postgresql; .ci/deps installs it)");
  }

  static int free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
      throw std::runtime_error("PostgresServer: no free port");
    ::close(fd);
    return ntohs(addr.sin_port);
  }

  // Runs a command (as `nobody` when root) with its output in dir_/<what>.out; throws
  // with that output when it fails.
  void run(const std::vector<std::string>& args, const std::string& what) const {
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    const std::string out = (dir_ / (what.substr(0, what.find(' ')) + ".out")).string();
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("PostgresServer: fork failed");
    if (pid == 0) {  // only async-signal-safe calls until exec
      const int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (fd >= 0) {
        ::dup2(fd, 1);
        ::dup2(fd, 2);
      }
      if (::chdir(dir_.c_str()) != 0) ::_exit(126);
      if (uid_ != 0 && (::setgroups(0, nullptr) != 0 || ::setgid(gid_) != 0 || ::setuid(uid_) != 0))
        ::_exit(126);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      std::ifstream log(out);
      std::stringstream text;
      text << log.rdbuf();
      std::ifstream server((dir_ / "server.log").string());
      text << server.rdbuf();
      throw std::runtime_error("PostgresServer: " + what + " failed (status " +
                               std::to_string(status) + "):\n" + text.str());
    }
  }

  std::string bin_;
  bool fsync_;
  std::filesystem::path dir_;
  uid_t uid_ = 0;
  gid_t gid_ = 0;
  int port_ = 0;
  bool running_ = false;
};

class PgClient {
 public:
  explicit PgClient(const std::string& conninfo) : conn_(PQconnectdb(conninfo.c_str())) {
    if (PQstatus(conn_) != CONNECTION_OK)
      throw std::runtime_error(std::string("test: connect: ") + PQerrorMessage(conn_));
    PQsetNoticeProcessor(
        conn_, [](void*, const char*) {}, nullptr);
  }
  ~PgClient() { PQfinish(conn_); }
  PgClient(const PgClient&) = delete;
  PgClient& operator=(const PgClient&) = delete;

  void exec(const std::string& sql) { PQclear(query(sql)); }

  // Every row of the query as `a|b|c` (NULL for null), sorted.
  std::vector<std::string> rows(const std::string& sql) {
    PGresult* res = query(sql);
    std::vector<std::string> out;
    for (int r = 0; r < PQntuples(res); ++r) {
      std::string row;
      for (int c = 0; c < PQnfields(res); ++c)
        row +=
            (c ? "|" : "") + std::string(PQgetisnull(res, r, c) ? "NULL" : PQgetvalue(res, r, c));
      out.push_back(row);
    }
    PQclear(res);
    std::sort(out.begin(), out.end());
    return out;
  }

 private:
  PGresult* query(const std::string& sql) {
    PGresult* res = PQexec(conn_, sql.c_str());
    const auto st = PQresultStatus(res);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
      std::string msg = PQresultErrorMessage(res);
      PQclear(res);
      throw std::runtime_error("test: " + sql + ": " + msg);
    }
    return res;
  }

  PGconn* conn_;
};

}  // namespace rill::test
