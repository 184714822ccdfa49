// A parsed feed: what feeds/feed_parser produces from RSS 0.9x/1.0/2.0, Atom and
// JSON Feed bytes, in one shape. All strings are UTF-8. Plain value types.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace nw {

using SysSeconds = std::chrono::sys_seconds;

struct Enclosure {
  std::string url;
  std::string type;
  std::string length;
};

struct FeedEntry {
  std::string id;     // guid / atom:id exactly as written; empty when absent
  std::string title;  // plain text (markup and entities resolved)
  std::string link;   // absolute URL of the alternate (HTML) link; may be empty
  // description / summary and content:encoded / atom:content, kept apart, as
  // given (may hold HTML), except that relative URLs in HTML attributes are
  // resolved against xml:base / the feed URL. Given both a description and a
  // summary, the first is the summary and the second the content when there
  // is no other. An empty summary stays empty here (feed_to_json shows the
  // content in its place, as feed readers do).
  std::string summary;
  std::string content;
  std::string author;                   // "Name (email)", "Name" or "email"
  std::optional<SysSeconds> published;  // UTC; nullopt when absent or unparsable
  std::optional<SysSeconds> updated;
  std::vector<Enclosure> enclosures;
};

struct Feed {
  std::string encoding;  // charset the bytes were decoded with, e.g. "windows-1256"
  std::string title;
  std::string link;
  std::vector<FeedEntry> entries;
  // Polling hints for the scheduler; absent when the feed gives none (or gives
  // nonsense, which is warned about).
  std::optional<std::chrono::seconds> ttl;              // RSS <ttl> (written in minutes)
  std::optional<std::chrono::seconds> update_interval;  // sy:updatePeriod / sy:updateFrequency
  std::string hub;  // WebSub hub URL: <link rel="hub"> (atom:link in RSS too), JSON Feed hubs
  // Problems that were recovered from (bad date, junk after the root...), for logs.
  std::vector<std::string> warnings;
  // Non-empty when the document was not well-formed XML and what it held was
  // recovered (a "bozo" feed, as feed readers say): the first problem, with line
  // and column. The poll is degraded, not failed: items before a cut are kept.
  std::string bozo;
};

}  // namespace nw
