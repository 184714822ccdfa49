// Test support: the real binaries as child processes, and free loopback ports.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace nw::test {

// A program started with posix_spawn; stdout and stderr appended to files.
// Killed (SIGKILL) and reaped on destruction if still running.
class Child {
 public:
  Child(const std::filesystem::path& program, const std::vector<std::string>& args,
        const std::filesystem::path& out, const std::filesystem::path& err);
  ~Child();
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  // Sends `sig` and returns the exit code (-1 when it did not exit within 15 s
  // or died of a signal).
  int stop(int sig = 15);
  // The exit code once it exits within `limit`; -1 on a timeout or a signal.
  int wait(std::chrono::milliseconds limit);
  // SIGKILL, then reaped.
  void kill9();
  bool running() const;
  void signal(int sig) const;
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
};

// A program of the build tree: newswatchd, newswatch.
std::filesystem::path build_binary(const std::string& name);

// Runs `command` through the shell, stderr with stdout: {exit code (-1 when
// killed), output}.
std::pair<int, std::string> run_command(const std::string& command);
// Whether `program` is on the PATH.
bool have_program(const std::string& program);

// A TCP port on 127.0.0.1 that was free a moment ago.
int free_tcp_port();

// Peak resident set size (VmHWM) of a running process, in KiB; -1 if unknown.
long peak_rss_kib(pid_t pid);

}  // namespace nw::test
