// `newswatchd --check` goes beyond the config's syntax: a state_dir the daemon
// cannot create or write, and an endpoint it cannot bind, are problems that
// point at the key that set them.
#include "daemon/preflight.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "daemon/instance_lock.h"

namespace nw {
namespace {

namespace fs = std::filesystem;

// A listening socket on 127.0.0.1: a port that is in use.
class Listener {
 public:
  Listener() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    listen(fd_, 1);
    socklen_t len = sizeof a;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
  }
  ~Listener() { close(fd_); }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

class Preflight : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("nw_preflight_" + std::to_string(std::random_device{}()));
    fs::create_directories(dir_);
  }
  void TearDown() override {
    fs::permissions(dir_, fs::perms::owner_all, fs::perm_options::add);
    fs::remove_all(dir_);
  }
  // Loads a config with these two values; "" leaves the key out.
  Config config(const std::string& state_dir, const std::string& endpoint) {
    std::ofstream out(file());
    out << "# preflight\n[daemon]\n";
    if (!state_dir.empty()) out << "state_dir = \"" << state_dir << "\"\n";
    out << "[publish]\n";
    if (!endpoint.empty()) out << "endpoint = \"" << endpoint << "\"\n";
    out.close();
    auto c = load_config(file());
    EXPECT_TRUE(c.has_value()) << c.error().message;
    return c ? *c : Config{};
  }
  std::string problems(const std::string& state_dir, const std::string& endpoint) {
    auto r = preflight(config(state_dir, endpoint));
    return r ? "" : r.error().message;
  }
  fs::path file() const { return dir_ / "newswatch.toml"; }

  fs::path dir_;
};

TEST_F(Preflight, ACreatableStateDirAndAFreePortPass) {
  const int port = Listener().port();  // closed again: free
  EXPECT_EQ(problems("new/state", "tcp://127.0.0.1:" + std::to_string(port)), "");
  EXPECT_EQ(problems("state", "ipc://" + (dir_ / "alerts.sock").string()), "");
  EXPECT_EQ(problems("state", "tcp://lo:" + std::to_string(port)), "");  // an interface
  EXPECT_FALSE(fs::exists(dir_ / "new")) << "preflight must not create anything";
  EXPECT_FALSE(fs::exists(dir_ / "alerts.sock"));
}

TEST_F(Preflight, StateDirUnderARegularFileFails) {
  std::ofstream(dir_ / "plain") << "x";
  const std::string f = file().string();
  EXPECT_EQ(problems("plain/state", "ipc://" + (dir_ / "a.sock").string()),
            f + ":3:13: 'state_dir' in [daemon]: cannot create " + (dir_ / "plain/state").string() +
                ": " + (dir_ / "plain").string() + " is not a directory");
  EXPECT_EQ(problems("plain", "ipc://" + (dir_ / "a.sock").string()),
            f + ":3:13: 'state_dir' in [daemon]: " + (dir_ / "plain").string() +
                " exists and is not a directory");
}

TEST_F(Preflight, StateDirWithoutWritePermissionFails) {
  if (geteuid() == 0) GTEST_SKIP() << "running as root: file permissions do not bind root";
  fs::create_directories(dir_ / "ro");
  fs::permissions(dir_ / "ro", fs::perms::owner_read | fs::perms::owner_exec);
  const std::string p = problems("ro/state", "ipc://" + (dir_ / "a.sock").string());
  EXPECT_NE(p.find(":3:13: 'state_dir' in [daemon]: cannot create"), std::string::npos) << p;
  EXPECT_NE(p.find("Permission denied"), std::string::npos) << p;
  fs::permissions(dir_ / "ro", fs::perms::owner_all);
}

TEST_F(Preflight, EndpointInUseOrNotOursFails) {
  Listener busy;
  const std::string f = file().string();
  const std::string ep = "tcp://127.0.0.1:" + std::to_string(busy.port());
  EXPECT_EQ(problems("state", ep), f + ":5:12: 'endpoint' in [publish]: cannot bind 127.0.0.1:" +
                                       std::to_string(busy.port()) +
                                       ": the port is in use (another newswatchd?)");
  // 192.0.2.1 (TEST-NET-1) is nobody's address; the default replay_endpoint
  // is on the same host, so it fails too.
  EXPECT_EQ(problems("state", "tcp://192.0.2.1:5556"),
            f +
                ":5:12: 'endpoint' in [publish]: cannot bind 192.0.2.1:5556: 192.0.2.1 is not "
                "an address of this machine\n" +
                f +
                ": 'replay_endpoint' in [publish] (not set: the default): cannot bind "
                "192.0.2.1:5557: 192.0.2.1 is not an address of this machine");
  const std::string not_an_interface =
      "\"localhost\" is not a network interface of this machine (ZeroMQ does not look up host "
      "names to bind; use an IP address such as 127.0.0.1, or *)";
  EXPECT_EQ(problems("state", "tcp://localhost:5556"),
            f + ":5:12: 'endpoint' in [publish]: " + not_an_interface + "\n" + f +
                ": 'replay_endpoint' in [publish] (not set: the default): " + not_an_interface);
  EXPECT_EQ(problems("state", "ipc://" + (dir_ / "no/such/dir/a.sock").string()),
            f + ":5:12: 'endpoint' in [publish]: cannot create the socket: " +
                (dir_ / "no/such/dir").string() + " is not a directory");
}

// `newswatchd --check` on the config of the daemon that runs: its ports are in
// use by that daemon, which is no problem; a port held by anything else is.
TEST_F(Preflight, PortsOfThisConfigsRunningDaemonAreNotes) {
  const Listener held;  // stands for the running daemon's PUB socket
  const std::string endpoint = "tcp://127.0.0.1:" + std::to_string(held.port());
  const Config c = config("state", endpoint);
  fs::create_directories(c.state_dir);
  {
    auto r = preflight(c);
    ASSERT_FALSE(r.has_value()) << "nobody holds the lock yet";
    EXPECT_NE(r.error().message.find("the port is in use (another newswatchd?)"),
              std::string::npos);
  }
  auto lock = InstanceLock::acquire(c.state_dir, {c.endpoint, c.replay_endpoint});
  ASSERT_TRUE(lock.has_value()) << lock.error().message;
  auto r = preflight(c);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0], file().string() + ":5:12: 'endpoint' in [publish]: " + endpoint +
                         " is served by the running newswatchd of this config (pid " +
                         std::to_string(::getpid()) + ")");
}

TEST_F(Preflight, APortTheRunningDaemonDoesNotServeIsStillAProblem) {
  const Listener other;  // some other program's port
  const std::string endpoint = "tcp://127.0.0.1:" + std::to_string(other.port());
  const Config c = config("state", endpoint);
  fs::create_directories(c.state_dir);
  auto lock = InstanceLock::acquire(c.state_dir, {"tcp://127.0.0.1:1", "tcp://127.0.0.1:2"});
  ASSERT_TRUE(lock.has_value()) << lock.error().message;
  auto r = preflight(c);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find(":5:12: 'endpoint' in [publish]: cannot bind 127.0.0.1:" +
                                   std::to_string(other.port()) + ": the port is in use"),
            std::string::npos)
      << r.error().message;
}

TEST(InstanceLock, OneDaemonPerStateDir) {
  const fs::path dir =
      fs::temp_directory_path() / ("nw_lock_" + std::to_string(std::random_device{}()));
  fs::create_directories(dir);
  EXPECT_FALSE(running_daemon(dir).has_value()) << "no file yet";
  {
    auto first = InstanceLock::acquire(dir, {"tcp://127.0.0.1:5556", "", "127.0.0.1:9464"});
    ASSERT_TRUE(first.has_value()) << first.error().message;
    auto running = running_daemon(dir);
    ASSERT_TRUE(running.has_value());
    EXPECT_EQ(running->pid, ::getpid());
    EXPECT_EQ(running->addresses,
              (std::vector<std::string>{"tcp://127.0.0.1:5556", "127.0.0.1:9464"}));
    auto second = InstanceLock::acquire(dir, {});
    ASSERT_FALSE(second.has_value());
    EXPECT_EQ(second.error().message, "another newswatchd (pid " + std::to_string(::getpid()) +
                                          ") is running on " + dir.string() +
                                          "; each daemon needs its own state_dir");
  }
  EXPECT_FALSE(running_daemon(dir).has_value()) << "released with the lock, though the file stays";
  EXPECT_TRUE(fs::exists(dir / "newswatchd.pid"));
  EXPECT_TRUE(InstanceLock::acquire(dir, {}).has_value()) << "a stale file is taken over";
  fs::remove_all(dir);
}

TEST_F(Preflight, DefaultsAreNamedAsDefaults) {
  std::ofstream(dir_ / "state") << "a file where the default state dir goes";
  auto r = preflight(config("", "ipc://" + (dir_ / "a.sock").string()));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message, file().string() +
                                   ": 'state_dir' in [daemon] (not set: the default): " +
                                   (dir_ / "state").string() + " exists and is not a directory");
}

}  // namespace
}  // namespace nw
