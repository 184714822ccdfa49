// A token bucket: at most `burst` messages at once, refilled at `count` per
// `per`. The caller passes the time, so tests need no clock. One thread.
#pragma once

#include <algorithm>
#include <chrono>
#include <optional>

#include "config/notify_config.h"  // RateLimit

namespace nw {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  // No limit: always allowed.
  RateLimiter() = default;
  explicit RateLimiter(RateLimit limit)
      : limit_(limit), tokens_(static_cast<double>(limit.burst)) {}

  // Whether a message may go now (then take() it), else how long to wait.
  std::optional<Clock::duration> wait(Clock::time_point now) {
    if (!limit_) return std::nullopt;
    refill(now);
    if (tokens_ >= 1) return std::nullopt;
    const double per_token =
        std::chrono::duration<double>(limit_->per).count() / static_cast<double>(limit_->count);
    return std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>((1 - tokens_) * per_token));
  }
  void take(Clock::time_point now) {
    if (!limit_) return;
    refill(now);
    tokens_ = std::max(0.0, tokens_ - 1);
  }

 private:
  void refill(Clock::time_point now) {
    if (last_ != Clock::time_point{}) {
      const double elapsed = std::chrono::duration<double>(now - last_).count();
      const double rate =
          static_cast<double>(limit_->count) / std::chrono::duration<double>(limit_->per).count();
      tokens_ = std::min(static_cast<double>(limit_->burst), tokens_ + elapsed * rate);
    }
    last_ = now;
  }

  std::optional<RateLimit> limit_;
  double tokens_ = 0;
  Clock::time_point last_{};
};

}  // namespace nw
