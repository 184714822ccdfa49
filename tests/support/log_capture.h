// Captures what the code under test logs through spdlog's default logger, at
// debug level and above, for as long as it lives (then the previous logger is
// back). Header-only; not for tests that log from several threads at once.
#pragma once

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace nw::test {

class LogCapture {
 public:
  LogCapture() : previous_(spdlog::default_logger()) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_st>(out_);
    sink->set_pattern("[%l] %v");
    auto logger = std::make_shared<spdlog::logger>("capture", sink);
    logger->set_level(spdlog::level::debug);
    spdlog::set_default_logger(logger);
  }
  ~LogCapture() { spdlog::set_default_logger(previous_); }
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;

  // The records at `level` ("debug", "info", "warning", "error") that contain
  // `text`, without the level prefix, in order.
  std::vector<std::string> lines(std::string_view level, std::string_view text = "") const {
    std::vector<std::string> out;
    const std::string prefix = "[" + std::string(level) + "] ";
    std::istringstream in(out_.str());
    for (std::string line; std::getline(in, line);) {
      if (line.starts_with(prefix) && line.find(text) != std::string::npos) {
        out.push_back(line.substr(prefix.size()));
      }
    }
    return out;
  }
  std::string all() const { return out_.str(); }

 private:
  std::ostringstream out_;
  std::shared_ptr<spdlog::logger> previous_;
};

}  // namespace nw::test
