// Times as a notification channel shows them: in the channel's IANA time zone
// ("Africa/Tripoli"), through ICU's time zone data (GCC 12's <chrono> has no
// tzdb). Also RenderOptions, what every renderer of alerts (mail bodies,
// templates) takes from the channel. Pure functions, safe from any thread.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "feeds/error.h"

namespace nw {

// How a channel shows alerts.
struct RenderOptions {
  // An IANA time zone name; times are shown in it. "UTC" by default.
  std::string timezone = "UTC";
};

// Ok when ICU knows `timezone` as a time zone id ("Europe/Paris", "UTC",
// "Africa/Tripoli"); an error naming it and giving an example otherwise.
[[nodiscard]] Result<void> check_timezone(std::string_view timezone);

// "2026-12-06 21:05 (Africa/Tripoli)": the wall time at `t` in `timezone`,
// Latin digits, 24-hour clock. An unknown zone is shown as UTC, "(UTC)".
std::string format_local(std::chrono::sys_seconds t, const std::string& timezone);

}  // namespace nw
