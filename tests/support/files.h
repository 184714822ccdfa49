// Reading test inputs and outputs whole. Header-only, no test framework, so
// tests and benchmarks share it; any thread.
#pragma once

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>

namespace nw::test {

// The bytes of a file; "" when it cannot be opened (a log that was never written).
inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The folder of the test inputs, tests/data/ of this repository.
inline std::filesystem::path fixture_path(const std::filesystem::path& relative) {
  return std::filesystem::path(NW_TEST_DATA) / relative;
}

// The bytes of a fixture that must exist. A missing or unreadable one throws,
// which fails the test that asked for it (GoogleTest reports the exception) or
// stops the benchmark: nothing runs on an empty string by accident.
inline std::string read_fixture_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in || !std::filesystem::is_regular_file(path)) {
    throw std::runtime_error("cannot open test fixture " + path.string());
  }
  std::ostringstream s;
  s << in.rdbuf();
  if (in.bad()) throw std::runtime_error("cannot read test fixture " + path.string());
  return s.str();
}

// One of the real Arabic articles of tests/data/samples/arabic-news/ (see the
// README there): the first line is the headline, the rest the body.
inline std::string read_arabic_sample(std::string_view name) {
  return read_fixture_file(fixture_path("samples/arabic-news") / name);
}

}  // namespace nw::test
