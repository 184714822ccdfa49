// Time as the daemon sees it. The scheduler and the alert timestamps read the
// clock only through this seam, so tests advance a fake clock instead of sleeping.
// Implementations must be safe to call from any thread.
#pragma once

#include <chrono>

namespace nw {

using TimePoint = std::chrono::system_clock::time_point;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint now() const = 0;
};

class SystemClock final : public Clock {
 public:
  TimePoint now() const override { return std::chrono::system_clock::now(); }
};

}  // namespace nw
