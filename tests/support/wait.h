// Waiting in tests for something the test can observe (a log line, a file's
// contents, a socket answering, a counter) instead of sleeping a fixed time: a
// test goes on as soon as the condition holds and fails, rather than racing,
// when it never does. Header-only, no test framework, so the tests and the
// support code share it; any thread (the predicate guards what it reads).
#pragma once

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <thread>

namespace nw::test {

// Calls `done` until it returns true or `limit` has passed, sleeping between
// calls for 1 ms at first, doubling up to `max_step` (ask less often when a
// call is costly, such as running a program). Returns whether it became true.
// `done` is asked once more after the deadline, so a machine that overslept
// still judges the last state, not a stale one.
template <class Predicate>
[[nodiscard]] bool wait_for(Predicate&& done, std::chrono::milliseconds limit,
                            std::chrono::milliseconds max_step = std::chrono::milliseconds(50)) {
  using std::chrono::milliseconds;
  const auto deadline = std::chrono::steady_clock::now() + limit;
  milliseconds step(1);
  while (!done()) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return false;
    const auto left = std::chrono::ceil<milliseconds>(deadline - now);
    std::this_thread::sleep_for(std::min({step, max_step, left}));
    step = std::min(step * 2, max_step);
  }
  return true;
}

// Waits until the file at `path` (a log a child process appends to) contains
// `text`; false after `limit`.
[[nodiscard]] inline bool wait_for_text(const std::filesystem::path& path, std::string_view text,
                                        std::chrono::milliseconds limit) {
  return wait_for(
      [&] {
        std::ifstream in(path, std::ios::binary);
        const std::string bytes{std::istreambuf_iterator<char>(in), {}};
        return bytes.find(text) != std::string::npos;
      },
      limit);
}

}  // namespace nw::test
