// Reading test inputs and outputs whole. Header-only; any thread.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace nw::test {

// The bytes of a file; "" when it cannot be opened (a log that was never written).
inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The bytes of a fixture that must exist: a missing one fails the test.
inline std::string read_fixture_file(const std::filesystem::path& path) {
  EXPECT_TRUE(std::filesystem::is_regular_file(path)) << "cannot open " << path.string();
  return read_file(path);
}

}  // namespace nw::test
