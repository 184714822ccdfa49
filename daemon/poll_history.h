// A source's polls over the last day, counted by UTC hour: what the /sources
// page draws as a bar per hour. Kept in the source's stored state (a short
// text column), so it survives restarts and costs no table of its own. Pure:
// no I/O, no clock (callers pass the time).
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace nw {

struct PollHistory {
  static constexpr int kHours = 24;
  struct Hour {
    std::uint32_t ok = 0;
    std::uint32_t failed = 0;
    bool operator==(const Hour&) const = default;
  };
  // Hours since the epoch of hours.back(); hours[i] is `end_hour - (kHours-1-i)`.
  std::int64_t end_hour = 0;
  std::array<Hour, kHours> hours{};

  // Counts one poll at `at` (an older one than end_hour's day is dropped).
  void record(std::chrono::sys_seconds at, bool ok);
  // The last day as of `now`: hours that passed since end_hour are zeros.
  [[nodiscard]] PollHistory as_of(std::chrono::sys_seconds now) const;
  // "END_HOUR ok/failed ok/failed …" (oldest first); "" when nothing is counted.
  [[nodiscard]] std::string encode() const;
  // encode()'s text back; anything malformed reads as an empty history (the
  // bars start again: a chart is not worth failing a poll for).
  static PollHistory decode(std::string_view text);
  bool operator==(const PollHistory&) const = default;
};

}  // namespace nw
