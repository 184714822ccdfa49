// What one attempt to deliver a message to a channel came to, for the
// notifier's retry logic (daemon/notify/): sent; worth retrying later (a
// network error, 5xx, 429; `retry_after` when the service said how long); or
// permanent (400/401/403/404, a refused address): logged once with `reason`,
// and the channel waits until it works again. A value type; any thread.
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace nw {

struct SendResult {
  enum class Kind { kSent, kRetry, kPermanent };
  Kind kind = Kind::kSent;
  // Retry-After of a 429 or 503, when given.
  std::optional<std::chrono::seconds> retry_after;
  // For the log: "HTTP 403: invalid_token" (the response body's first line),
  // "connection refused", "SMTP 550 ...".
  std::string reason;

  static SendResult sent() { return {}; }
  static SendResult retry(std::string reason,
                          std::optional<std::chrono::seconds> after = std::nullopt) {
    return {Kind::kRetry, after, std::move(reason)};
  }
  static SendResult permanent(std::string reason) {
    return {Kind::kPermanent, std::nullopt, std::move(reason)};
  }
};

}  // namespace nw
