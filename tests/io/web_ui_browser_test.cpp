// The web UI's page in a real browser: headless Chromium (Debian's `chromium`, nothing
// downloaded) loads the page of a running stream, lets its script fetch /api/batches,
// and the DOM it dumps must chart exactly the batches that ran, with their values; a
// second launch saves a screenshot (web_ui_screenshot.png in the test's working
// directory, build/tests) for people to look at. Missing chromium fails the test: CI
// installs it (.ci/deps). RILL_CHROMIUM overrides /usr/bin/chromium.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <rill/io/web_ui.hpp>
#include <sstream>
#include <thread>

#include "dstream/stream_test_support.hpp"
#include "web_ui_client.hpp"

extern char** environ;

namespace rill::test {
namespace {

std::string chromium_path() {
  const char* p = std::getenv("RILL_CHROMIUM");
  return p && *p ? p : "/usr/bin/chromium";
}

// Runs argv in its own process group with stdout and stderr to files, waits at most
// `limit`; on timeout the whole group (chromium's helper processes too) is killed.
// Returns the exit status, or throws.
int run_process(const std::vector<std::string>& argv, const std::string& out_path,
                const std::string& err_path, std::chrono::seconds limit) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, args[0], &actions, &attr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) throw std::runtime_error("cannot start " + argv[0] + ": " + std::strerror(rc));
  const auto deadline = std::chrono::steady_clock::now() + limit;
  int status = 0;
  while (::waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(-pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      throw std::runtime_error(argv[0] + " did not finish within " + std::to_string(limit.count()) +
                               " s");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ::kill(-pid, SIGKILL);  // helper processes left behind, if any
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string file_contents(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The values of attribute `attr` of the <circle class="point"> elements inside the
// <svg id="id"> of the dumped DOM, in document order.
std::vector<std::string> point_attribute(const std::string& dom, const std::string& id,
                                         const std::string& attr) {
  const auto start = dom.find("id=\"" + id + "\"");
  if (start == std::string::npos) return {};
  const auto end = dom.find("</svg>", start);
  std::vector<std::string> out;
  const std::string key = attr + "=\"";
  for (auto p = dom.find("<circle", start); p < end; p = dom.find("<circle", p + 1)) {
    const auto close = dom.find('>', p);
    const auto a = dom.find(key, p);
    if (a == std::string::npos || a > close) continue;
    const auto v = a + key.size();
    out.push_back(dom.substr(v, dom.find('"', v) - v));
  }
  return out;
}

TEST(WebUiBrowser, ChromiumChartsTheBatchesThatRan) {
  const auto chromium = chromium_path();
  ASSERT_EQ(::access(chromium.c_str(), X_OK), 0)
      << chromium << " is missing: install Debian's chromium (.ci/deps does)";
  TempDir tmp;
  WebUiHarness w(1000ms);
  auto& ui = *w.ui;
  // Each batch's output advances the manual clock by a known amount: that is its
  // processing delay, so the delay charts have something to show.
  const std::vector<int> records = {1200, 3400, 2800, 0, 5100, 4300, 3900, 4700};
  const std::vector<int> work_ms = {20, 45, 80, 30, 120, 60, 90, 40};
  auto clock = w.h.clock;
  auto batch_index = std::make_shared<std::atomic<std::size_t>>(0);
  w.input->foreach_rdd([=](const Rdd<int>& rdd, Time) {
    rdd.count();
    clock->advance(Duration{work_ms[batch_index->fetch_add(1) % work_ms.size()]});
  });
  w.start();
  w.run(records);
  const auto expected = w.reference.completed();
  ASSERT_EQ(expected.size(), records.size());

  const std::vector<std::string> common = {
      chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
      "--no-first-run", "--disable-extensions", "--disable-dev-shm-usage", "--hide-scrollbars",
      "--user-data-dir=" + (tmp.path / "profile").string(),
      // Timers run on virtual time, paused while a fetch is in flight: the page has
      // polled a few times when the budget is spent, however slow the machine.
      "--virtual-time-budget=5000"};
  auto argv = common;
  argv.push_back("--dump-dom");
  argv.push_back(ui.url());
  const auto dom_path = tmp.path / "dom.html", err_path = tmp.path / "chromium.err";
  const int rc = run_process(argv, dom_path.string(), err_path.string(), std::chrono::seconds(180));
  const auto dom = file_contents(dom_path);
  ASSERT_EQ(rc, 0) << file_contents(err_path);
  ASSERT_NE(dom.find("data-updated=\"1\""), std::string::npos)
      << "the page's script did not render /api/batches:\n"
      << dom << "\n"
      << file_contents(err_path);

  std::vector<std::string> times, rates, processing, total, scheduling;
  for (const auto& b : expected) {
    times.push_back(std::to_string(b.batch_time.count()));
    rates.push_back(std::to_string(b.num_records));  // 1 s batches: records/s = records
    processing.push_back(std::to_string(b.processing_delay->count()));
    total.push_back(std::to_string(b.total_delay->count()));
    scheduling.push_back(std::to_string(b.scheduling_delay->count()));
  }
  for (const char* chart : {"chart-input-rate", "chart-scheduling-delay", "chart-processing-delay",
                            "chart-total-delay"}) {
    EXPECT_EQ(point_attribute(dom, chart, "data-batch-time"), times) << chart;
  }
  EXPECT_EQ(point_attribute(dom, "chart-input-rate", "data-value"), rates);
  EXPECT_EQ(point_attribute(dom, "chart-scheduling-delay", "data-value"), scheduling);
  EXPECT_EQ(point_attribute(dom, "chart-processing-delay", "data-value"), processing);
  EXPECT_EQ(point_attribute(dom, "chart-total-delay", "data-value"), total);
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(expected[i].processing_delay->count(), work_ms[i]) << "batch " << i;
  }
  EXPECT_NE(dom.find("<span class=\"active\">active</span>"), std::string::npos)
      << "the receivers table shows the running receiver";

  argv = common;
  const auto shot = std::filesystem::absolute("web_ui_screenshot.png");
  std::filesystem::remove(shot);
  argv.push_back("--window-size=1280,1500");
  argv.push_back("--screenshot=" + shot.string());
  argv.push_back(ui.url());
  ASSERT_EQ(run_process(argv, (tmp.path / "shot.out").string(), err_path.string(),
                        std::chrono::seconds(180)),
            0)
      << file_contents(err_path);
  ASSERT_TRUE(std::filesystem::exists(shot));
  EXPECT_GT(std::filesystem::file_size(shot), 10'000u);
  w.h.ssc.stop();
}

}  // namespace
}  // namespace rill::test
