#include "daemon/preflight.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "config/endpoint.h"
#include "daemon/instance_lock.h"

namespace nw {
namespace {

namespace fs = std::filesystem;

std::string errno_text(int e) { return std::strerror(e); }

// Why the daemon could not use `dir` as its state directory, or "".
std::string state_dir_problem(const fs::path& dir) {
  std::error_code ec;
  // The nearest part of the path that exists decides.
  fs::path existing = dir;
  while (!fs::exists(existing, ec) && existing.has_relative_path()) {
    if (ec) return "cannot check " + existing.string() + ": " + ec.message();
    existing = existing.parent_path();
  }
  if (!fs::is_directory(existing, ec)) {
    if (existing == dir) return dir.string() + " exists and is not a directory";
    return "cannot create " + dir.string() + ": " + existing.string() + " is not a directory";
  }
  if (::access(existing.c_str(), W_OK | X_OK) != 0) {
    const int e = errno;
    if (existing == dir) return "cannot write to " + dir.string() + ": " + errno_text(e);
    return "cannot create " + dir.string() + " in " + existing.string() + ": " + errno_text(e);
  }
  const fs::path db = dir / "newswatch.db";
  if (existing == dir && fs::exists(db, ec) && ::access(db.c_str(), R_OK | W_OK) != 0) {
    return "cannot write to " + db.string() + ": " + errno_text(errno);
  }
  return "";
}

constexpr std::string_view kInUse = ": the port is in use";

// Binds a TCP socket to the endpoint's address for an instant (no listen(), so
// nothing connects), with SO_REUSEADDR as ZeroMQ sets it. A port in use says
// kInUse.
std::string tcp_problem(const BindEndpoint& e) {
  sockaddr_storage addr{};
  socklen_t len = 0;
  const std::string port = std::to_string(e.port);
  if (e.host == "*") {
    auto* a = reinterpret_cast<sockaddr_in*>(&addr);
    a->sin_family = AF_INET;
    a->sin_addr.s_addr = htonl(INADDR_ANY);
    a->sin_port = htons(e.port);
    len = sizeof *a;
  } else if (auto* a = reinterpret_cast<sockaddr_in*>(&addr);
             inet_pton(AF_INET, e.host.c_str(), &a->sin_addr) == 1) {
    a->sin_family = AF_INET;
    a->sin_port = htons(e.port);
    len = sizeof *a;
  } else if (auto* a6 = reinterpret_cast<sockaddr_in6*>(&addr);
             inet_pton(AF_INET6, e.host.c_str(), &a6->sin6_addr) == 1) {
    a6->sin6_family = AF_INET6;
    a6->sin6_port = htons(e.port);
    len = sizeof *a6;
  } else {
    // A name: ZeroMQ binds it only as a network interface's name.
    if (::if_nametoindex(e.host.c_str()) == 0) {
      return "\"" + e.host +
             "\" is not a network interface of this machine (ZeroMQ does not look up host "
             "names to bind; use an IP address such as 127.0.0.1, or *)";
    }
    return "";  // bound by interface: its address is ZeroMQ's to pick
  }
  const int fd = ::socket(addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return "cannot create a TCP socket: " + errno_text(errno);
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  std::string problem;
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&addr), len) != 0) {
    const int err = errno;
    const std::string where =
        (e.host.find(':') != std::string::npos ? "[" + e.host + "]" : e.host) + ":" + port;
    if (err == EADDRINUSE) {
      problem = "cannot bind " + where + std::string(kInUse) + " (another newswatchd?)";
    } else if (err == EADDRNOTAVAIL) {
      problem = "cannot bind " + where + ": " + e.host + " is not an address of this machine";
    } else if (err == EACCES) {
      problem = "cannot bind " + where + ": ports below 1024 need privileges";
    } else {
      problem = "cannot bind " + where + ": " + errno_text(err);
    }
  }
  ::close(fd);
  return problem;
}

// ZeroMQ replaces an existing socket file, so only the folder matters.
std::string ipc_problem(const BindEndpoint& e) {
  if (e.host.starts_with('@')) return "";  // abstract: no file
  const fs::path dir = fs::absolute(fs::path(e.host)).parent_path();
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    return "cannot create the socket: " + dir.string() + " is not a directory";
  if (::access(dir.c_str(), W_OK | X_OK) != 0) {
    return "cannot create the socket in " + dir.string() + ": " + errno_text(errno);
  }
  return "";
}

}  // namespace

Result<std::vector<std::string>> preflight(const Config& config) {
  std::vector<std::string> problems;
  std::vector<std::string> notes;
  const std::optional<RunningDaemon> running = running_daemon(config.state_dir);
  // A port in use is fine when this config's running daemon holds it.
  auto add = [&](const std::string& where, const std::string& value, const std::string& p) {
    if (p.empty()) return;
    if (running && p.find(kInUse) != std::string::npos &&
        std::find(running->addresses.begin(), running->addresses.end(), value) !=
            running->addresses.end()) {
      notes.push_back(where + ": " + value + " is served by the running newswatchd of this " +
                      "config (pid " + std::to_string(running->pid) + ")");
      return;
    }
    problems.push_back(where + ": " + p);
  };
  if (std::string p = state_dir_problem(config.state_dir); !p.empty()) {
    problems.push_back(key_location(config, "daemon", "state_dir") + ": " + p);
  }
  // The ZeroMQ sockets, then the metrics server (plain TCP host:port).
  const std::pair<const char*, const std::string*> sockets[] = {
      {"endpoint", &config.endpoint}, {"replay_endpoint", &config.replay_endpoint}};
  for (const auto& [key, value] : sockets) {
    if (value->empty()) continue;  // turned off
    auto endpoint = parse_bind_endpoint(*value);
    std::string p;
    if (!endpoint) {
      p = endpoint.error().message;  // a default never fails; kept for completeness
    } else if (endpoint->transport == BindEndpoint::Transport::kTcp) {
      p = tcp_problem(*endpoint);
    } else if (endpoint->transport == BindEndpoint::Transport::kIpc) {
      p = ipc_problem(*endpoint);
    }
    add(key_location(config, "publish", key), *value, p);
  }
  if (auto e = parse_host_port(config.metrics_endpoint)) {
    add(key_location(config, "metrics", "endpoint"), config.metrics_endpoint, tcp_problem(*e));
  }
  if (problems.empty()) return notes;
  std::string message;
  for (const auto& line : problems) message += (message.empty() ? "" : "\n") + line;
  return fail(Errc::kInvalid, std::move(message));
}

}  // namespace nw
