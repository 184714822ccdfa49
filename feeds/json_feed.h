// JSON Feed 1.0 and 1.1 (https://jsonfeed.org/version/1.1) into a Feed.
// Internal to nw_feeds: parse_feed() calls it when the document is JSON.
// Pure function, safe from any thread.
#pragma once

#include <string_view>

#include "feeds/error.h"
#include "feeds/feed.h"

namespace nw {

// `text` is UTF-8; `feed` arrives with its encoding set. Relative URLs resolve
// against `url`. Fails (Errc::kParse, with line and column) on JSON syntax
// errors and on JSON that is not a feed.
[[nodiscard]] Result<Feed> parse_json_feed(std::string_view text, std::string_view url, Feed feed);

}  // namespace nw
