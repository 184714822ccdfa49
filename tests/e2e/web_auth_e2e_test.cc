// [web] auth_file with the real binaries: `newswatch passwd` makes the lines
// (a user from a password on stdin, a bearer token), newswatchd serves its
// pages, /api, /metrics on 127.0.0.1 only with them (401 and the Basic
// challenge without), a broken file fails --check with file:line:col, and a
// reload with a broken file keeps the running users.
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "tests/support/files.h"
#include "tests/support/process.h"
#include "tests/support/wait.h"

namespace nw {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class WebAuthE2E : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("web_auth_e2e_" + std::to_string(std::random_device{}()));
    fs::create_directories(dir_);
    port_ = test::free_tcp_port();
    std::ofstream(dir_ / "newswatch.toml")
        << "[daemon]\nstate_dir = \"state\"\n[publish]\nendpoint = \"tcp://127.0.0.1:"
        << test::free_tcp_port() << "\"\nreplay_endpoint = \"\"\n[metrics]\nendpoint = "
        << "\"127.0.0.1:" << port_ << "\"\n[web]\nauth_file = \"users\"\n";
  }
  void TearDown() override {
    if (HasFailure()) std::cerr << "---- log ----\n" << test::read_file(dir_ / "log");
    fs::remove_all(dir_);
  }
  std::pair<int, std::string> newswatch(const std::string& args) {
    return test::run_command("timeout 60 " + test::build_binary("newswatch").string() + " " + args);
  }
  bool logged(const std::string& text) {
    return test::read_file(dir_ / "log").find(text) != std::string::npos;
  }
  fs::path dir_;
  int port_ = 0;
};

TEST_F(WebAuthE2E, PasswdLinesLetInOthersGet401) {
  // The handoff: what `newswatch passwd` prints is what the daemon reads.
  auto [status, user] =
      test::run_command("printf 'open sesame\\n' | timeout 60 " +
                        test::build_binary("newswatch").string() + " passwd alice 2>/dev/null");
  ASSERT_EQ(status, 0) << user;
  ASSERT_TRUE(user.starts_with("alice:$argon2id$v=19$m=65536,t=3,p=1$")) << user;
  auto [token_status, token_out] =
      test::run_command("{ timeout 60 " + test::build_binary("newswatch").string() +
                        " passwd --token grafana 2>" + (dir_ / "token").string() + "; }");
  ASSERT_EQ(token_status, 0) << token_out;
  ASSERT_TRUE(token_out.starts_with("token:grafana:$argon2id$")) << token_out;
  const std::string said = test::read_file(dir_ / "token");
  const std::string token = said.substr(said.find('\n') + 1, 43);
  std::ofstream(dir_ / "users") << "# test users\n" << user << token_out;

  const std::string daemon = test::build_binary("newswatchd").string();
  const std::string config = (dir_ / "newswatch.toml").string();
  auto check = test::run_command(daemon + " --check --config " + config);
  EXPECT_EQ(check.first, 0) << check.second;

  test::Child d(daemon, {"--config", config}, dir_ / "log", dir_ / "log");
  ASSERT_TRUE(test::wait_for([&] { return logged("newswatchd started"); }, 20s));
  EXPECT_TRUE(logged("web: HTTP auth on, 1 users and 1 tokens from "));
  httplib::Client anonymous("127.0.0.1", port_);
  for (const char* path : {"/", "/api/alerts", "/metrics", "/events"}) {
    auto r = anonymous.Get(path);
    ASSERT_TRUE(r) << path;
    EXPECT_EQ(r->status, 401) << path;
    EXPECT_EQ(r->get_header_value("WWW-Authenticate"), "Basic realm=\"newswatch\"") << path;
  }
  httplib::Client wrong("127.0.0.1", port_);
  wrong.set_basic_auth("alice", "open sesame!");
  auto refused = wrong.Get("/");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 401);
  EXPECT_TRUE(test::wait_for(
      [&] { return logged("web auth: refused a request from 127.0.0.1: wrong password"); }, 5s));

  httplib::Client alice("127.0.0.1", port_);
  alice.set_basic_auth("alice", "open sesame");
  for (const char* path : {"/", "/api/alerts", "/metrics"}) {
    auto r = alice.Get(path);
    ASSERT_TRUE(r) << path;
    EXPECT_EQ(r->status, 200) << path;
  }
  EXPECT_NE(alice.Get("/metrics")->body.find("newswatch_web_auth_failures_total 1\n"),
            std::string::npos);
  httplib::Client bearer("127.0.0.1", port_);
  bearer.set_bearer_token_auth(token);
  auto with_token = bearer.Get("/api/sources");
  ASSERT_TRUE(with_token);
  EXPECT_EQ(with_token->status, 200);

  // A broken file: --check says where; a reload keeps the running users.
  std::ofstream(dir_ / "users", std::ios::app) << "bob:plain-text\n";
  auto bad = test::run_command(daemon + " --check --config " + config);
  EXPECT_EQ(bad.first, 1) << bad.second;
  EXPECT_NE(bad.second.find((dir_ / "users").string() + ":4:5: the hash must be an Argon2 hash"),
            std::string::npos)
      << bad.second;
  d.signal(SIGHUP);
  ASSERT_TRUE(
      test::wait_for([&] { return logged("reload failed, keeping the running config"); }, 20s));
  auto still = alice.Get("/");
  ASSERT_TRUE(still);
  EXPECT_EQ(still->status, 200);
  EXPECT_EQ(d.stop(), 0);
}

}  // namespace
}  // namespace nw
