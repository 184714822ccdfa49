// Waits between attempts of a failing channel: 1 s, 2 s, 4 s ... up to
// 10 min, or what the service asked for (Retry-After), whichever it says; a
// success starts again at 1 s. A value type; one thread.
#pragma once

#include <algorithm>
#include <chrono>
#include <optional>

namespace nw {

class Backoff {
 public:
  static constexpr std::chrono::seconds kFirst{1};
  static constexpr std::chrono::seconds kMax{600};

  // The wait before the next attempt after a failure. A Retry-After is obeyed
  // as given (capped at an hour) and does not grow the exponential step.
  std::chrono::seconds next(std::optional<std::chrono::seconds> retry_after = std::nullopt) {
    if (retry_after)
      return std::clamp(*retry_after, std::chrono::seconds(0), std::chrono::seconds(3600));
    const std::chrono::seconds wait = step_;
    step_ = std::min(step_ * 2, kMax);
    return wait;
  }
  void reset() { step_ = kFirst; }
  std::chrono::seconds peek() const { return step_; }

 private:
  std::chrono::seconds step_ = kFirst;
};

}  // namespace nw
