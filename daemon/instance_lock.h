// The running daemon's claim on its state directory: the file newswatchd.pid in
// state_dir, locked (an OFD write lock) for as long as the daemon lives, holding its pid and
// the addresses it serves. A second newswatchd on the same state_dir is refused
// with the first one's pid, and `newswatchd --check` can tell a port held by the
// running daemon of this very config from one held by anything else. The lock
// goes with the process: a crashed daemon leaves a file that nobody holds. Any
// thread.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "feeds/error.h"

namespace nw {

class InstanceLock {
 public:
  // Locks state_dir/newswatchd.pid (state_dir must exist) and writes this
  // process's pid and `addresses` (the endpoints it binds, as configured) into
  // it. Fails (Errc::kInvalid) while another live process holds it.
  [[nodiscard]] static Result<InstanceLock> acquire(const std::filesystem::path& state_dir,
                                                    const std::vector<std::string>& addresses);
  InstanceLock(InstanceLock&& other) noexcept;
  InstanceLock& operator=(InstanceLock&&) = delete;
  InstanceLock(const InstanceLock&) = delete;
  ~InstanceLock();  // releases the lock; the file stays, held by nobody

 private:
  explicit InstanceLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

struct RunningDaemon {
  pid_t pid = 0;
  std::vector<std::string> addresses;
};

// The daemon that holds state_dir's lock now, if one does (this
// process's own InstanceLock counts: OFD locks belong to open files).
[[nodiscard]] std::optional<RunningDaemon> running_daemon(const std::filesystem::path& state_dir);

}  // namespace nw
