// Runs a program under the restrictions a systemd unit's [Service] section
// puts on it, without systemd, so that a test finds what the unit forbids that
// the program needs. The seccomp part is exact: SystemCallFilter= is expanded
// with `systemd-analyze syscall-filter` the way systemd does it (an allow list
// starts with @default; "~" removes), and the argument checks systemd adds for
// RestrictAddressFamilies=, MemoryDenyWriteExecute=, RestrictNamespaces=,
// LockPersonality=, RestrictRealtime= and RestrictSUIDSGID= are reproduced.
// Calls the filter refuses are not killed: they reach this process (seccomp
// user notification), are recorded, and fail with the errno systemd would
// return. With namespaces on, the child also gets, from unprivileged user,
// mount, PID and UTS namespaces: PrivateUsers= (a single uid, 61234),
// ProtectSystem=strict, PrivateTmp=, ProtectHome=, PrivateDevices=,
// ProtectProc=, ProcSubset=, ProtectHostname=, an empty
// CapabilityBoundingSet=, NoNewPrivileges= and UMask=.
// Without namespaces, a test running as root still runs the child as uid and
// gid 61234 (DynamicUser=), with the writable folder chowned to it.
// Not thread-safe per object; one SandboxedProcess per child.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "feeds/error.h"

namespace nw::test {

// A unit file's [Service] settings in file order (a key may repeat).
struct UnitFile {
  std::vector<std::pair<std::string, std::string>> service;

  std::vector<std::string> all(std::string_view key) const;
  std::optional<std::string> last(std::string_view key) const;
  bool yes(std::string_view key) const;  // "yes", "true", "on", "1"
};
[[nodiscard]] Result<UnitFile> read_unit(const std::filesystem::path& file);

// The syscall names SystemCallFilter= allows, expanded by the local
// systemd-analyze (Errc::kUnsupported when it is missing). Only allow lists.
[[nodiscard]] Result<std::vector<std::string>> allowed_syscalls(const UnitFile& unit);

struct SandboxOptions {
  // false: only what needs no namespace (seccomp, NoNewPrivileges=, UMask=).
  bool namespaces = true;
  // The test's folder. With namespaces the child sees it read-only at
  // kSandboxDir (as /etc/newswatch would be), with `writable` (a folder inside
  // it) writable, as a StateDirectory= is; without, at its own path.
  std::filesystem::path dir;
  std::filesystem::path writable;
};
inline constexpr std::string_view kSandboxDir = "/tmp/newswatch";

class SandboxedProcess {
 public:
  // Starts argv[0] (a path outside the sandbox) with exactly `env`, stdout and
  // stderr appended to `log`. Errc::kUnsupported: this machine cannot (no user
  // namespaces, no seccomp user notification); the message says why.
  [[nodiscard]] static Result<std::unique_ptr<SandboxedProcess>> start(
      const UnitFile& unit, const SandboxOptions& options, const std::vector<std::string>& argv,
      const std::vector<std::string>& env, const std::filesystem::path& log);
  ~SandboxedProcess();
  SandboxedProcess(const SandboxedProcess&) = delete;
  SandboxedProcess& operator=(const SandboxedProcess&) = delete;

  void signal(int sig) const;
  bool running();
  // The exit code (also once reaped before); -1 when it did not exit within
  // `limit` or died of a signal.
  int wait(std::chrono::milliseconds limit);

  // Each refused call, as "mbind [SystemCallFilter]" or
  // "socket(family 16) [RestrictAddressFamilies]", in order. Thread-safe.
  std::vector<std::string> denied() const;
  // Settings of the unit the sandbox does not reproduce (named for the report).
  const std::vector<std::string>& not_reproduced() const { return not_reproduced_; }

 private:
  SandboxedProcess() = default;
  void serve(int listener);

  pid_t pid_ = -1;
  int exit_code_ = -1;  // once reaped
  int listener_ = -1;
  std::atomic<bool> stop_{false};
  std::thread notifier_;
  mutable std::mutex mutex_;
  std::vector<std::string> denied_;  // GUARDED_BY(mutex_)
  std::vector<std::string> not_reproduced_;
  // Why a call was refused, by syscall number: the setting behind it and the errno.
  struct Rule {
    int nr;
    std::string setting;
    int error;
  };
  std::vector<Rule> argument_rules_;
  int default_error_ = 1;  // EPERM
};

}  // namespace nw::test
