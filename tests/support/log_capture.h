// Captures what the code under test logs through spdlog's default logger, at
// debug level and above, for as long as it lives (then the previous logger is
// back). Header-only. Any thread may log and read meanwhile (a test polls for a
// line that a server thread writes), but a thread that logs must be started
// after the capture and stopped before it ends: spdlog hands out the default
// logger without holding it.
#pragma once

#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace nw::test {

class LogCapture {
 public:
  LogCapture() : previous_(spdlog::default_logger()), sink_(std::make_shared<Sink>()) {
    sink_->set_pattern("[%l] %v");
    auto logger = std::make_shared<spdlog::logger>("capture", sink_);
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
    std::istringstream in(sink_->text());
    for (std::string line; std::getline(in, line);) {
      if (line.starts_with(prefix) && line.find(text) != std::string::npos) {
        out.push_back(line.substr(prefix.size()));
      }
    }
    return out;
  }
  std::string all() const { return sink_->text(); }

 private:
  // The records as text; base_sink holds its mutex around sink_it_().
  class Sink final : public spdlog::sinks::base_sink<std::mutex> {
   public:
    std::string text() {
      std::lock_guard lock(mutex_);
      return text_;
    }

   protected:
    void sink_it_(const spdlog::details::log_msg& msg) override {
      spdlog::memory_buf_t formatted;
      formatter_->format(msg, formatted);
      text_.append(formatted.data(), formatted.size());
    }
    void flush_() override {}

   private:
    std::string text_;  // GUARDED_BY(mutex_)
  };

  std::shared_ptr<spdlog::logger> previous_;
  std::shared_ptr<Sink> sink_;
};

}  // namespace nw::test
