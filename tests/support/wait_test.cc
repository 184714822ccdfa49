// tests/support/wait.h: polling returns when the condition holds, gives up after the limit.
#include "tests/support/wait.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

namespace nw::test {
namespace {

using namespace std::chrono_literals;
using std::chrono::steady_clock;

TEST(WaitFor, ReturnsAsSoonAsTheConditionHolds) {
  std::atomic<bool> ready{false};
  std::jthread other([&] { ready = true; });
  const auto t0 = steady_clock::now();
  EXPECT_TRUE(wait_for([&] { return ready.load(); }, 20s));
  EXPECT_LT(steady_clock::now() - t0, 10s);
  int calls = 0;
  EXPECT_TRUE(wait_for([&] { return ++calls > 0; }, 0ms));
  EXPECT_EQ(calls, 1);
}

TEST(WaitFor, GivesUpAfterTheLimitHavingAskedOnceMorePastIt) {
  steady_clock::time_point last;
  const auto t0 = steady_clock::now();
  EXPECT_FALSE(wait_for(
      [&] {
        last = steady_clock::now();
        return false;
      },
      120ms));
  EXPECT_GE(last - t0, 120ms);
}

TEST(WaitFor, FindsTextThatAFileGainsLater) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("wait_test_" + std::to_string(std::random_device{}()) + ".log");
  std::ofstream(path) << "starting\n";
  EXPECT_FALSE(wait_for_text(path, "ready", 50ms));
  std::jthread writer([&] { std::ofstream(path, std::ios::app) << "ready\n"; });
  EXPECT_TRUE(wait_for_text(path, "ready", 20s));
  EXPECT_FALSE(wait_for_text(path / "missing", "ready", 0ms));
  writer.join();
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace nw::test
