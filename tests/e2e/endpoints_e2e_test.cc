// Two daemons on one machine, and the defaults that pair a subscriber with its
// daemon, with the real binaries:
//  - two daemons whose [publish] endpoints differ (two shards) both start: each
//    one's replay endpoint is its own endpoint's port + 1, and `newswatch
//    subscribe --endpoint` catches up from that port without being told it;
//  - `newswatchd --check` on the config of the daemon that runs passes and says
//    whose the ports are; the same ports from another config are an error; a
//    second daemon on the same state_dir is refused with the first one's pid.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "tests/support/files.h"
#include "tests/support/http_server.h"
#include "tests/support/process.h"
#include "tests/support/wait.h"

namespace nw {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// Whether 127.0.0.1:port can be bound now.
bool port_free(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

// A free port whose next port is free too: an endpoint and its default replay.
int free_port_pair() {
  for (;;) {
    const int port = test::free_tcp_port();
    if (port < 65535 && port_free(port + 1)) return port;
  }
}

class EndpointsE2E : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("endpoints_e2e_" + std::to_string(std::random_device{}()));
    fs::create_directories(dir_ / "watchlists");
    std::ofstream(dir_ / "watchlists" / "libya.toml")
        << "name = \"libya\"\n[[rule]]\nid = \"haftar-cairo\"\nquery = 'حفتر AND القاهرة'\n";
    server_.set("/a/1", {.body = "<html lang=\"ar\"><body><article><h1>حفتر في القاهرة</h1><p>"
                                 "وصل المشير خليفة حفتر إلى القاهرة اليوم في زيارة رسمية يلتقي "
                                 "خلالها كبار المسؤولين لبحث تطورات الأوضاع.</p></article>"
                                 "</body></html>"});
    server_.set("/feed.xml",
                {.content_type = "application/rss+xml",
                 .body = "<rss version=\"2.0\"><channel><title>T</title><item><guid>1</guid>"
                         "<title>حفتر في القاهرة</title><link>" +
                         server_.url("/a/1") + "</link></item></channel></rss>"});
  }
  void TearDown() override {
    if (HasFailure()) {
      for (const char* name : {"a", "b"}) {
        std::cerr << "---- " << name << " log ----\n" << test::read_file(dir_ / name / "log");
      }
    }
    fs::remove_all(dir_);
  }
  // dir_/NAME/newswatch.toml: publishing on `port`, no replay_endpoint set.
  fs::path write_config(const std::string& name, int port) {
    fs::create_directories(dir_ / name);
    const fs::path file = dir_ / name / "newswatch.toml";
    std::ofstream(file) << "watchlists = [\"../watchlists/*.toml\"]\n[daemon]\nstate_dir = "
                           "\"state\"\n[publish]\nendpoint = \"tcp://127.0.0.1:"
                        << port << "\"\n[[source]]\nid = \"site\"\nurl = \""
                        << server_.url("/feed.xml") << "\"\ninterval = \"1s\"\n";
    return file;
  }
  std::unique_ptr<test::Child> start(const std::string& name) {
    return std::make_unique<test::Child>(
        test::build_binary("newswatchd"),
        std::vector<std::string>{"--config", (dir_ / name / "newswatch.toml").string()},
        dir_ / name / "log", dir_ / name / "log");
  }
  bool logged(const std::string& name, const std::string& text) {
    return test::read_file(dir_ / name / "log").find(text) != std::string::npos;
  }
  static std::pair<int, std::string> newswatch(const std::string& args) {
    return test::run_command("timeout 30 " + test::build_binary("newswatch").string() + " " + args);
  }

  fs::path dir_;
  test::HttpServer server_;
};

TEST_F(EndpointsE2E, TwoDaemonsEachServeReplayOnTheirEndpointsNextPort) {
  const int a_port = free_port_pair();
  int b_port = free_port_pair();
  while (b_port == a_port || b_port == a_port + 1 || b_port + 1 == a_port)
    b_port = free_port_pair();
  const fs::path a_config = write_config("a", a_port);
  const fs::path b_config = write_config("b", b_port);
  auto a = start("a");
  auto b = start("b");
  for (const auto& [name, port] : {std::pair{"a", a_port}, std::pair{"b", b_port}}) {
    ASSERT_TRUE(test::wait_for([&] { return logged(name, "newswatchd started"); }, 20s)) << name;
    EXPECT_TRUE(logged(name, "replay on tcp://127.0.0.1:" + std::to_string(port + 1))) << name;
  }
  // Once b has published its alert, a subscriber that starts later gets it
  // only from the replay socket, which it finds at the endpoint's port + 1.
  ASSERT_TRUE(test::wait_for(
      [&] {
        return newswatch("alerts --config " + b_config.string()).second.find("haftar-cairo") !=
               std::string::npos;
      },
      30s));
  const auto [status, out] =
      newswatch("subscribe --endpoint tcp://127.0.0.1:" + std::to_string(b_port) +
                " --since 0 --count 1 2>/dev/null");
  EXPECT_EQ(status, 0) << out;
  EXPECT_NE(out.find("\"rule\":\"haftar-cairo\""), std::string::npos) << out;
  EXPECT_TRUE(a->running());
  EXPECT_EQ(a->stop(), 0);
  EXPECT_EQ(b->stop(), 0);
}

TEST_F(EndpointsE2E, CheckPassesOnTheRunningDaemonsConfigOnly) {
  const int port = free_port_pair();
  const fs::path config = write_config("a", port);
  auto a = start("a");
  ASSERT_TRUE(test::wait_for([&] { return logged("a", "newswatchd started"); }, 20s));

  const std::string daemon = test::build_binary("newswatchd").string();
  const auto [ok, said] = test::run_command(daemon + " --check --config " + config.string());
  EXPECT_EQ(ok, 0) << said;
  const std::string pid = std::to_string(a->pid());
  EXPECT_NE(said.find("'endpoint' in [publish]: tcp://127.0.0.1:" + std::to_string(port) +
                      " is served by the running newswatchd of this config (pid " + pid + ")"),
            std::string::npos)
      << said;
  EXPECT_NE(said.find(": OK ("), std::string::npos) << said;

  // The same port from another daemon's config: in use, an error.
  const fs::path other = write_config("b", port);
  const auto [bad, why] = test::run_command(daemon + " --check --config " + other.string());
  EXPECT_EQ(bad, 1) << why;
  EXPECT_NE(why.find("'endpoint' in [publish]: cannot bind 127.0.0.1:" + std::to_string(port) +
                     ": the port is in use (another newswatchd?)"),
            std::string::npos)
      << why;

  // A second daemon on the first one's state_dir is refused before it binds.
  const auto [twice, refused] =
      test::run_command("timeout 20 " + daemon + " --config " + config.string());
  EXPECT_EQ(twice, 1) << refused;
  EXPECT_NE(refused.find("another newswatchd (pid " + pid + ") is running on "), std::string::npos)
      << refused;
  EXPECT_TRUE(a->running());
  EXPECT_EQ(a->stop(), 0);
}

}  // namespace
}  // namespace nw
