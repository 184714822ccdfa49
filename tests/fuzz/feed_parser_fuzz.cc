// libFuzzer target for parse_feed(): feed bytes come from anyone on the
// internet. Beyond "no crash, no sanitizer report", it checks the contract:
// every string in a parsed Feed is valid UTF-8, and feed_to_json() never throws.
//
// Not built by the default (GCC) build; with clang:
//   clang++ -std=c++2b -g -O1 -fsanitize=fuzzer,address,undefined -I. \
//     tests/fuzz/feed_parser_fuzz.cc feeds/{charset,date,date_l10n,feed_parser,feed_text,
//     html_entities,json_feed,xml_repair,xml_scope,url}.cc -lpugixml -licui18n -licuuc -licudata
//     -lcurl -o feed_parser_fuzz
//   ./feed_parser_fuzz -max_total_time=60 tests/data/feeds/ tests/data/feeds/conformance/*/
// (tests/data/feeds/ and the conformance corpus are the seeds: every format,
// charset, date form and breakage.)
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "feeds/feed_parser.h"

namespace {

bool valid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80                   ? 1
               : (c >= 0xC2 && c <= 0xDF) ? 2
               : (c >= 0xE0 && c <= 0xEF) ? 3
               : (c >= 0xF0 && c <= 0xF4) ? 4
                                          : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    const auto c1 = static_cast<unsigned char>(n > 1 ? s[i + 1] : 0);
    if ((c == 0xE0 && c1 < 0xA0) || (c == 0xED && c1 > 0x9F) || (c == 0xF0 && c1 < 0x90) ||
        (c == 0xF4 && c1 > 0x8F)) {
      return false;
    }
    i += n;
  }
  return true;
}

void check(std::string_view s) {
  if (!valid_utf8(s)) std::abort();
}

// The first byte picks a Content-Type, so the declared-charset paths get fuzzed too.
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
  const nw::Result<nw::Feed> feed = nw::parse_feed(
      bytes,
      {.url = "https://fuzz.example/dir/feed.xml", .content_type = std::string(content_type)});
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
  const std::string json = nw::feed_to_json(*feed);
  check(json);
  return 0;
}
