#include "daemon/instance_lock.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string_view>

namespace nw {
namespace {

constexpr std::string_view kFile = "newswatchd.pid";

// The file's text: the pid on the first line, then one address per line.
std::string read_all(int fd) {
  std::string text;
  char buf[4096];
  ssize_t n;
  while ((n = ::pread(fd, buf, sizeof buf, static_cast<off_t>(text.size()))) > 0) {
    text.append(buf, static_cast<std::size_t>(n));
    if (text.size() > (1u << 16)) break;  // not ours: a pid file is a few lines
  }
  return text;
}

RunningDaemon parse(std::string_view text) {
  RunningDaemon d;
  bool first = true;
  while (!text.empty()) {
    const std::size_t nl = text.find('\n');
    const std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (first) {
      d.pid = static_cast<pid_t>(std::atol(std::string(line).c_str()));
      first = false;
    } else if (!line.empty()) {
      d.addresses.emplace_back(line);
    }
  }
  return d;
}

// A write lock on the whole file, owned by the open file (OFD locks, Linux
// 3.15): F_OFD_GETLK tests for one without taking anything.
struct flock whole_file() {
  struct flock l {};
  l.l_type = F_WRLCK;
  l.l_whence = SEEK_SET;
  return l;
}

}  // namespace

Result<InstanceLock> InstanceLock::acquire(const std::filesystem::path& state_dir,
                                           const std::vector<std::string>& addresses) {
  const std::filesystem::path path = state_dir / kFile;
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return fail(Errc::kIo, "cannot open " + path.string() + ": " + std::strerror(errno));
  struct flock lock = whole_file();
  if (::fcntl(fd, F_OFD_SETLK, &lock) != 0) {
    const int err = errno;
    const RunningDaemon other = parse(read_all(fd));
    ::close(fd);
    if (err == EAGAIN || err == EACCES) {
      return fail(Errc::kInvalid, "another newswatchd (pid " + std::to_string(other.pid) +
                                      ") is running on " + state_dir.string() +
                                      "; each daemon needs its own state_dir");
    }
    return fail(Errc::kIo, "cannot lock " + path.string() + ": " + std::strerror(err));
  }
  std::string text = std::to_string(::getpid()) + "\n";
  for (const std::string& a : addresses) {
    if (!a.empty()) text += a + "\n";
  }
  if (::ftruncate(fd, 0) != 0 ||
      ::pwrite(fd, text.data(), text.size(), 0) != static_cast<ssize_t>(text.size())) {
    const int err = errno;
    ::close(fd);
    return fail(Errc::kIo, "cannot write " + path.string() + ": " + std::strerror(err));
  }
  return InstanceLock(fd);
}

InstanceLock::InstanceLock(InstanceLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }

InstanceLock::~InstanceLock() {
  if (fd_ >= 0) ::close(fd_);  // closing the file releases its lock
}

std::optional<RunningDaemon> running_daemon(const std::filesystem::path& state_dir) {
  const std::filesystem::path path = state_dir / kFile;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  struct flock probe = whole_file();
  std::optional<RunningDaemon> held;
  if (::fcntl(fd, F_OFD_GETLK, &probe) == 0 && probe.l_type != F_UNLCK) held = parse(read_all(fd));
  ::close(fd);
  return held;
}

}  // namespace nw
