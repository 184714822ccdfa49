// One HTTP POST through libcurl (easy interface, blocking), classified for the
// notifier's retry logic: 2xx sent; 429 and 503 retry, with their Retry-After
// (seconds or an HTTP date; Telegram's JSON "parameters.retry_after" too);
// 408, 425 and other 5xx retry; any other status permanent, with the status
// and the first line of the response body as the reason; network errors
// retry. Safe to call from several threads at once (one easy handle per call).
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "daemon/notify/formats.h"
#include "daemon/notify/send_result.h"

namespace nw {

struct PostOptions {
  std::chrono::seconds timeout{20};
  std::chrono::seconds connect_timeout{10};
  std::string user_agent = "newswatch-notify";
  // Polled during the transfer: true aborts it (a retry result).
  std::function<bool()> cancelled;
};

[[nodiscard]] SendResult http_post(const HttpRequest& request, const PostOptions& options);

// Retry-After as seconds from now: "120" or an IMF-fixdate; nullopt when unreadable.
std::optional<std::chrono::seconds> parse_retry_after(std::string_view value,
                                                      std::chrono::system_clock::time_point now);

}  // namespace nw
