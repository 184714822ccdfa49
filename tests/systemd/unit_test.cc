// systemd/newswatchd.service: its exposure score stays at most 1.5, and the
// real daemon works under its restrictions. The seccomp filter is the unit's
// own (tests/systemd/sandbox.h): a call the daemon needs and the unit forbids
// fails here, not on a server. The daemon polls a feed on 127.0.0.1 (by the
// name "localhost", so name resolution runs too), publishes alerts, talks to
// a notify socket like systemd's (READY, WATCHDOG, RELOADING, STOPPING),
// reloads on SIGHUP and exits 0 on SIGTERM; `--check` (ExecStartPre=) runs
// under the same filter.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>
#include <zmq.hpp>
#include <zmq_addon.hpp>

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

const fs::path kUnit = fs::path(NW_BUILD_DIR) / "systemd" / "newswatchd.service";

std::pair<int, std::string> run(const std::string& command) { return test::run_command(command); }
bool have(const std::string& program) { return test::have_program(program); }

TEST(Unit, ExposureIsAtMostOnePointFive) {
  if (!have("systemd-analyze")) {
    GTEST_SKIP() << "systemd-analyze is not installed (Debian package systemd): the unit's "
                    "exposure score is not checked";
  }
  // --threshold is in tenths: exit status 1 above 1.5.
  const auto [status, out] =
      run("systemd-analyze security --offline=yes --threshold=15 " + kUnit.string());
  std::smatch m;
  ASSERT_TRUE(std::regex_search(out, m, std::regex(R"(Overall exposure level for \S+: ([0-9.]+))")))
      << out;
  const double score = std::stod(m[1]);
  std::string failing;  // what still counts against it, for the message
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with("✗")) failing += line + "\n";
  }
  EXPECT_LE(score, 1.5) << failing;
  EXPECT_EQ(status, 0) << out;
  std::cout << "exposure " << score << "; still counted:\n" << failing;
}

// A datagram socket like systemd's NOTIFY_SOCKET, in the abstract namespace
// (the sandbox's mount namespace cannot hide it).
class NotifySocket {
 public:
  NotifySocket() {
    name_ = "newswatch-test-" + std::to_string(std::random_device{}());
    fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::memcpy(a.sun_path + 1, name_.data(), name_.size());
    bind(fd_, reinterpret_cast<sockaddr*>(&a),
         static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name_.size()));
  }
  ~NotifySocket() { close(fd_); }
  std::string env() const { return "NOTIFY_SOCKET=@" + name_; }
  // Waits until a message holding `line` arrives; false after `limit`.
  bool wait_for(const std::string& line, std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (true) {
      for (const std::string& m : received_) {
        if (("\n" + m + "\n").find("\n" + line + "\n") != std::string::npos) return true;
      }
      if (std::chrono::steady_clock::now() >= deadline) return false;
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 50) == 1) {
        char buf[4096];
        const ssize_t n = recv(fd_, buf, sizeof buf, 0);
        if (n > 0) received_.emplace_back(buf, static_cast<std::size_t>(n));
      }
    }
  }
  void forget() { received_.clear(); }

 private:
  std::string name_;
  int fd_ = -1;
  std::vector<std::string> received_;
};

using test::free_tcp_port;

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (std::size_t pos = 0; (pos = s.find(from, pos)) != std::string::npos; pos += to.size()) {
    s.replace(pos, from.size(), to);
  }
  return s;
}

class SandboxedDaemon : public testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    // Not under /tmp: the sandbox mounts its own /tmp.
    dir_ = fs::path(NW_BUILD_DIR) / "tests" / ("sandbox_" + std::to_string(std::random_device{}()));
    fs::create_directories(dir_ / "watchlists");
    fs::create_directories(dir_ / "state");
    const fs::path data = fs::path(NW_TEST_DATA) / "e2e";
    const std::string base = "http://localhost:" + std::to_string(server_.port());
    server_.set("/feed.xml", {.content_type = "application/rss+xml; charset=utf-8",
                              .body = replace_all(read_file(data / "feed.xml"), "{BASE}", base)});
    for (const char* page : {"a1", "a2", "a3", "a4"}) {
      server_.set(std::string("/articles/") + page,
                  {.body = read_file(data / (std::string(page) + ".html"))});
    }
    fs::copy_file(data / "libya.toml", dir_ / "watchlists" / "libya.toml");
    endpoint_ = "tcp://127.0.0.1:" + std::to_string(free_tcp_port());
    replay_ = "tcp://127.0.0.1:" + std::to_string(free_tcp_port());
    std::ofstream(dir_ / "newswatch.toml")
        << "watchlists = [\"watchlists/*.toml\"]\n[daemon]\nstate_dir = \"state\"\n"
           "log_level = \"debug\"\n[publish]\nendpoint = \""
        << endpoint_ << "\"\nreplay_endpoint = \"" << replay_
        << "\"\n[[source]]\nid = \"alrasifa\"\nurl = \"" << base
        << "/feed.xml\"\ninterval = \"1s\"\n";
    sub_.set(zmq::sockopt::subscribe, "");
    sub_.connect(endpoint_);
    auto unit = test::read_unit(kUnit);
    ASSERT_TRUE(unit) << unit.error().message;
    unit_ = *unit;
  }
  void TearDown() override {
    if (HasFailure()) std::cerr << "---- newswatchd log ----\n" << read_file(dir_ / "daemon.log");
    fs::remove_all(dir_);
  }

  // newswatchd ARGS --config <the test's config, as the sandbox shows it>.
  Result<std::unique_ptr<test::SandboxedProcess>> start(std::vector<std::string> args,
                                                        std::vector<std::string> env) {
    const fs::path config =
        GetParam() ? fs::path(test::kSandboxDir) / "newswatch.toml" : dir_ / "newswatch.toml";
    args.insert(args.begin(), std::string(NW_BUILD_DIR) + "/newswatchd");
    args.insert(args.end(), {"--config", config.string()});
    env.push_back("PATH=/usr/sbin:/usr/bin:/sbin:/bin");
#if defined(__SANITIZE_ADDRESS__)
    // LeakSanitizer stops the world with ptrace, which the unit's SystemCallFilter
    // refuses (rightly); the rest of the asan suite checks for leaks.
    env.push_back("ASAN_OPTIONS=detect_leaks=0:halt_on_error=1");
#endif
    return test::SandboxedProcess::start(
        unit_, {.namespaces = GetParam(), .dir = dir_, .writable = dir_ / "state"}, args, env,
        dir_ / "daemon.log");
  }
  // The alerts recorded so far, asked of the replay socket (a live SUB that
  // joins late would miss the first ones).
  std::size_t replayed() {
    zmq::socket_t dealer(ctx_, zmq::socket_type::dealer);
    dealer.set(zmq::sockopt::linger, 0);
    dealer.connect(replay_);
    const std::array<zmq::const_buffer, 3> request = {zmq::buffer(std::string_view("SINCE")),
                                                      zmq::buffer(std::string_view("0")),
                                                      zmq::buffer(std::string_view(""))};
    zmq::send_multipart(dealer, request);
    std::size_t alerts = 0;
    for (;;) {
      zmq::pollitem_t item{dealer.handle(), 0, ZMQ_POLLIN, 0};
      if (zmq::poll(&item, 1, 2000ms) == 0) return alerts;
      std::vector<zmq::message_t> frames;
      if (!zmq::recv_multipart(dealer, std::back_inserter(frames))) return alerts;
      if (frames[0].to_string_view() != "ALERT") return alerts;
      ++alerts;
    }
  }
  std::size_t receive(std::size_t want, std::chrono::milliseconds limit) {
    std::size_t got = 0;
    (void)test::wait_for([&] { return (got = replayed()) >= want; }, limit, 500ms);
    return got;
  }

  fs::path dir_;
  test::UnitFile unit_;
  test::HttpServer server_;
  std::string endpoint_, replay_;
  zmq::context_t ctx_;
  zmq::socket_t sub_{ctx_, zmq::socket_type::sub};
};

TEST_P(SandboxedDaemon, WorksUnderTheUnitsRestrictions) {
  auto check = start({"--check"}, {});
  if (!check && check.error().code == Errc::kUnsupported) GTEST_SKIP() << check.error().message;
  ASSERT_TRUE(check) << check.error().message;
  EXPECT_EQ((*check)->wait(30s), 0) << read_file(dir_ / "daemon.log");
  EXPECT_EQ((*check)->denied(), std::vector<std::string>{}) << "refused during --check";

  NotifySocket notify;
  auto started = start({}, {notify.env(), "WATCHDOG_USEC=1000000"});
  ASSERT_TRUE(started) << started.error().message;
  test::SandboxedProcess& daemon = **started;
  std::cout << "settings not reproduced by the sandbox:";
  for (const auto& s : daemon.not_reproduced()) std::cout << " " << s;
  std::cout << "\n";
  if (!notify.wait_for("READY=1", 20s)) {
    FAIL() << "no READY=1 from the daemon; calls the unit refused: "
           << testing::PrintToString(daemon.denied());
  }
  // a1 and a2, each on two rules.
  EXPECT_EQ(receive(4, 40s), 4u);
  EXPECT_TRUE(notify.wait_for("WATCHDOG=1", 5s));

  notify.forget();
  daemon.signal(SIGHUP);
  EXPECT_TRUE(notify.wait_for("RELOADING=1", 10s));
  EXPECT_TRUE(notify.wait_for("READY=1", 10s));
  EXPECT_TRUE(daemon.running());
  daemon.signal(SIGTERM);
  EXPECT_EQ(daemon.wait(20s), 0);
  EXPECT_TRUE(notify.wait_for("STOPPING=1", 1s));

  const std::string log = read_file(dir_ / "daemon.log");
  EXPECT_NE(log.find("reloaded: 1 sources"), std::string::npos) << log;
  EXPECT_NE(log.find("newswatchd stopping (4 alerts published)"), std::string::npos) << log;
  EXPECT_EQ(daemon.denied(), std::vector<std::string>{})
      << "calls the unit refuses (add them to SystemCallFilter= or change the code)";
  // UMask=0077: the database is the daemon's alone.
  struct stat st;
  ASSERT_EQ(stat((dir_ / "state" / "newswatch.db").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 077, 0u) << std::oct << st.st_mode;
}

// The namespaced sandbox does what it claims: a shell in it checks.
TEST(Sandbox, HidesAndLocksWhatTheUnitSays) {
  auto unit = test::read_unit(kUnit);
  ASSERT_TRUE(unit) << unit.error().message;
  const fs::path dir = fs::path(NW_BUILD_DIR) / "tests" /
                       ("sandbox_probe_" + std::to_string(std::random_device{}()));
  fs::create_directories(dir / "state");
  std::ofstream(dir / "config.toml") << "# read-only\n";
  const std::string probe = R"sh(
    [ "$(id -u)" = 61234 ] || { echo "uid $(id -u)"; exit 1; }
    awk '$5 == "/" && $6 !~ /^ro/ { exit 1 }' /proc/self/mountinfo || { echo "/ is writable"; exit 1; }
    ls /root >/dev/null 2>&1 && { echo "/root is visible"; exit 1; }
    touch /tmp/newswatch/config-probe 2>/dev/null && { echo "the config dir is writable"; exit 1; }
    touch /tmp/newswatch/state/probe || { echo "the state dir is not writable"; exit 1; }
    [ -r /tmp/newswatch/config.toml ] || { echo "the config is not readable"; exit 1; }
    [ -e /proc/cpuinfo ] && { echo "/proc is not subset=pid"; exit 1; }
    [ -c /dev/null ] || { echo "no /dev/null"; exit 1; }
    [ "$(ls /dev | wc -l)" -lt 16 ] || { echo "/dev is the host's"; exit 1; }
    [ "$(umask)" = 0077 ] || { echo "umask $(umask)"; exit 1; }
    echo sandbox-ok)sh";
  auto sh = test::SandboxedProcess::start(
      *unit, {.namespaces = true, .dir = dir, .writable = dir / "state"}, {"/bin/sh", "-c", probe},
      {"PATH=/usr/bin:/bin"}, dir / "probe.log");
  if (!sh && sh.error().code == Errc::kUnsupported) {
    fs::remove_all(dir);
    GTEST_SKIP() << sh.error().message;
  }
  ASSERT_TRUE(sh) << sh.error().message;
  EXPECT_EQ((*sh)->wait(20s), 0) << read_file(dir / "probe.log");
  EXPECT_EQ(read_file(dir / "probe.log"), "sandbox-ok\n");
  EXPECT_TRUE(fs::exists(dir / "state" / "probe"));
  fs::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(Seccomp, SandboxedDaemon, testing::Values(false),
                         [](const auto&) { return std::string("SeccompOnly"); });
INSTANTIATE_TEST_SUITE_P(Namespaces, SandboxedDaemon, testing::Values(true),
                         [](const auto&) { return std::string("WithNamespaces"); });

}  // namespace
}  // namespace nw
