// Parses feed bytes (RSS 0.9x/1.0/2.0, Atom 0.3/1.0, JSON Feed) into a Feed.
// Decodes the charset itself (feeds/charset.h) and recovers what it can from
// ill-formed XML. Pure function, safe from any thread.
#pragma once

#include <string>
#include <string_view>

#include "feeds/error.h"
#include "feeds/feed.h"

namespace nw {

struct FeedParseOptions {
  std::string url;           // where the feed came from, to resolve relative links; may be empty
  std::string content_type;  // HTTP Content-Type, for its charset; may be empty
  // HTTP Content-Location, as sent (may be relative to `url`): where the document
  // says it lives, so relative links resolve against it rather than `url`
  // (xml:base still comes first). May be empty.
  std::string content_location;
};

// Fails (Errc::kParse, with line and column where known) only when nothing
// feed-like can be recovered.
[[nodiscard]] Result<Feed> parse_feed(std::string_view bytes, const FeedParseOptions& options);

// The `newswatch parse-feed` JSON document for a feed.
std::string feed_to_json(const Feed& feed);

}  // namespace nw
