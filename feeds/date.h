// Dates as feeds write them: RFC 822/1123/2822 (RSS pubDate, with named,
// military or numeric zones and the usual sloppiness) and ISO 8601 / RFC 3339 /
// W3CDTF (Atom, dc:date, JSON Feed). Pure functions, safe from any thread.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace nw {

// The instant, in UTC. nullopt for anything unparsable or out of range (month
// 13, Feb 30, hour 25, unknown zone name) or ambiguous ("200312"): never a
// guessed date. A date without a zone is taken as UTC; a date without a time as
// midnight; an ISO 8601 two-digit year is in this century, and a month without
// a year ("--12-31") in the current year (the one thing read from the clock).
std::optional<std::chrono::sys_seconds> parse_date(std::string_view text);

// "2003-12-31T10:14:55Z".
std::string format_iso8601(std::chrono::sys_seconds t);

}  // namespace nw
