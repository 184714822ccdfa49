// systemd/newswatch-notify.service: its exposure score stays at most 1.5, and
// the real `newswatch notify` works under its seccomp filter
// (tests/systemd/sandbox.h): `--check` (ExecStartPre=) passes, and it delivers
// the alerts of a real newswatchd to a webhook on 127.0.0.1 (ZeroMQ, libcurl,
// its cursor files), then exits 0 on SIGTERM, with no call refused.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <random>
#include <regex>
#include <sstream>
#include <string>
#include <thread>

#include "tests/daemon/notify_receiver.h"
#include "tests/support/files.h"
#include "tests/support/http_server.h"
#include "tests/support/process.h"
#include "tests/support/wait.h"
#include "tests/systemd/sandbox.h"

namespace nw {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using test::read_file;

const fs::path kUnit = fs::path(NW_BUILD_DIR) / "systemd" / "newswatch-notify.service";

TEST(NotifyUnit, ExposureIsAtMostOnePointFive) {
  if (!test::have_program("systemd-analyze")) {
    GTEST_SKIP() << "systemd-analyze is not installed (Debian package systemd)";
  }
  const auto [status, out] =
      test::run_command("systemd-analyze security --offline=yes --threshold=15 " + kUnit.string());
  std::smatch m;
  ASSERT_TRUE(std::regex_search(out, m, std::regex(R"(Overall exposure level for \S+: ([0-9.]+))")))
      << out;
  const double score = std::stod(m[1]);
  std::string failing;
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with("✗")) failing += line + "\n";
  }
  EXPECT_LE(score, 1.5) << failing;
  EXPECT_EQ(status, 0) << out;
  std::cout << "exposure " << score << "; still counted:\n" << failing;
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (std::size_t pos = 0; (pos = s.find(from, pos)) != std::string::npos; pos += to.size()) {
    s.replace(pos, from.size(), to);
  }
  return s;
}

TEST(NotifyUnit, TheNotifierWorksUnderTheUnitsSystemCallFilter) {
  auto unit = test::read_unit(kUnit);
  ASSERT_TRUE(unit) << unit.error().message;
  const fs::path dir = fs::path(NW_BUILD_DIR) / "tests" /
                       ("notify_sandbox_" + std::to_string(std::random_device{}()));
  fs::create_directories(dir / "watchlists");
  fs::create_directories(dir / "state");
  test::HttpServer site;
  test::Receiver hook;
  const fs::path data = fs::path(NW_TEST_DATA) / "e2e";
  const std::string base = "http://localhost:" + std::to_string(site.port());
  site.set("/feed.xml", {.content_type = "application/rss+xml; charset=utf-8",
                         .body = replace_all(read_file(data / "feed.xml"), "{BASE}", base)});
  for (const char* page : {"a1", "a2", "a3", "a4"}) {
    site.set(std::string("/articles/") + page,
             {.body = read_file(data / (std::string(page) + ".html"))});
  }
  fs::copy_file(data / "libya.toml", dir / "watchlists" / "libya.toml");
  const std::string endpoint = "tcp://127.0.0.1:" + std::to_string(test::free_tcp_port());
  const std::string replay = "tcp://127.0.0.1:" + std::to_string(test::free_tcp_port());
  std::ofstream(dir / "newswatch.toml")
      << "watchlists = [\"watchlists/*.toml\"]\n[daemon]\nstate_dir = \"daemon-state\"\n"
         "[publish]\nendpoint = \""
      << endpoint << "\"\nreplay_endpoint = \"" << replay << "\"\nheartbeat = \"1s\"\n"
      << "[[source]]\nid = \"alrasifa\"\nurl = \"" << base << "/feed.xml\"\ninterval = \"1s\"\n";
  std::ofstream(dir / "hook.url") << hook.url("/hook") << "\n";
  fs::permissions(dir / "hook.url", fs::perms::owner_read | fs::perms::owner_write);
  std::ofstream(dir / "notify.toml")
      << "[subscribe]\nendpoint = \"" << endpoint << "\"\nreplay_endpoint = \"" << replay
      << "\"\nstate_dir = \"state\"\nheartbeat = \"1s\"\n"
         "[[channel]]\nid = \"hook\"\nkind = \"webhook\"\nurl_file = \"hook.url\"\n"
         "[[route]]\nchannels = [\"hook\"]\n";
  // A cursor at 0: every alert the daemon records, whenever the notifier joins.
  fs::create_directories(dir / "state" / "cursors");
  std::ofstream(dir / "state" / "cursors" / "hook") << "0\n";
  std::vector<std::string> env = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin"};
#if defined(__SANITIZE_ADDRESS__)
  // LeakSanitizer stops the world with ptrace, which the unit's SystemCallFilter
  // refuses (rightly); the rest of the asan suite checks for leaks.
  env.push_back("ASAN_OPTIONS=detect_leaks=0:halt_on_error=1");
#endif
  auto run = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {std::string(NW_BUILD_DIR) + "/newswatch", "notify"});
    args.insert(args.end(), {"--config", (dir / "notify.toml").string()});
    return test::SandboxedProcess::start(
        *unit, {.namespaces = false, .dir = dir, .writable = dir / "state"}, args, env,
        dir / "notify.log");
  };
  auto check = run({"--check"});
  if (!check && check.error().code == Errc::kUnsupported) {
    fs::remove_all(dir);
    GTEST_SKIP() << check.error().message;
  }
  ASSERT_TRUE(check) << check.error().message;
  EXPECT_EQ((*check)->wait(30s), 0) << read_file(dir / "notify.log");
  EXPECT_EQ((*check)->denied(), std::vector<std::string>{}) << "refused during --check";

  auto started = run({});
  ASSERT_TRUE(started) << started.error().message;
  test::SandboxedProcess& notifier = **started;
  test::Child daemon(test::build_binary("newswatchd"),
                     {"--config", (dir / "newswatch.toml").string()}, dir / "daemon.log",
                     dir / "daemon.log");
  (void)test::wait_for([&] { return hook.accepted("/hook").size() >= 4; }, 40s, 100ms);
  EXPECT_EQ(hook.accepted("/hook").size(), 4u) << read_file(dir / "notify.log");
  notifier.signal(SIGTERM);
  EXPECT_EQ(notifier.wait(20s), 0) << read_file(dir / "notify.log");
  EXPECT_EQ(notifier.denied(), std::vector<std::string>{})
      << "calls the unit refuses (add them to SystemCallFilter= or change the code)";
  EXPECT_EQ(read_file(dir / "state" / "cursors" / "hook"), "4\n");
  struct stat st {};
  ASSERT_EQ(stat((dir / "state" / "cursors" / "hook").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 077, 0u) << std::oct << st.st_mode;
  daemon.stop();
  fs::remove_all(dir);
}

}  // namespace
}  // namespace nw
