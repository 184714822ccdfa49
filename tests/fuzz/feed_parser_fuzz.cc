// libFuzzer target for parse_feed(): feed bytes come from anyone on the
// internet. Beyond "no crash, no sanitizer report", it checks the contract:
// every string in a parsed Feed is valid UTF-8, and feed_to_json() never throws.
//
// Built and run by tests/fuzz/run_fuzz.sh (clang-19, the `fuzz` preset); the
// seeds are tests/data/feeds/ and its conformance corpus: every format,
// charset, date form and breakage.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "feeds/feed_parser.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using nw::fuzz::check;

void check(std::string_view s) { check(nw::fuzz::valid_utf8(s)); }

// The first byte picks a Content-Type, so the declared-charset paths get fuzzed too
// (its low three bits).
constexpr std::string_view kContentTypes[] = {"",
                                              "application/rss+xml; charset=utf-8",
                                              "text/xml; charset=windows-1256",
                                              "text/xml; charset=iso-8859-6",
                                              "application/atom+xml; charset=ISO-8859-1",
                                              "application/feed+json",
                                              "text/xml; charset=utf-16",
                                              "text/xml; charset=bogus"};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view content_type = kContentTypes[data[0] % std::size(kContentTypes)];
  const std::string_view bytes(reinterpret_cast<const char*>(data + 1), size - 1);
  // Its top bit adds a relative Content-Location, so relative links take that path.
  const nw::Result<nw::Feed> feed =
      nw::parse_feed(bytes, {.url = "https://fuzz.example/dir/feed.xml",
                             .content_type = std::string(content_type),
                             .content_location = (data[0] & 0x80) != 0 ? "../other/" : ""});
  if (!feed) {
    if (feed.error().code != nw::Errc::kParse) std::abort();
    return 0;
  }
  check(feed->encoding);
  check(feed->title);
  check(feed->link);
  check(feed->hub);
  if (feed->ttl && feed->ttl->count() <= 0) std::abort();
  if (feed->update_interval && feed->update_interval->count() <= 0) std::abort();
  for (const nw::FeedEntry& e : feed->entries) {
    for (std::string_view s : {e.id, e.title, e.link, e.summary, e.content, e.author}) check(s);
    for (const nw::Enclosure& enc : e.enclosures) {
      check(enc.url);
      check(enc.type);
      check(enc.length);
    }
  }
  for (const std::string& w : feed->warnings) check(w);
  // A recovered ("bozo") feed says where it went wrong.
  check(feed->bozo);
  if (!feed->bozo.empty() && !feed->bozo.starts_with("XML line ")) std::abort();
  const std::string json = nw::feed_to_json(*feed);
  check(json);
  return 0;
}
