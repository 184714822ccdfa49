// libFuzzer target for parse_sitemap(): sitemaps come from anyone on the
// internet, gzip or not. Beyond "no crash, no sanitizer report", it checks the
// contract: every string is valid UTF-8, every loc an http(s) URL, at most the
// protocol's 50,000 entries, errors only kParse or kTooLarge, and
// sitemap_to_json() never throws.
//
// Built and run by tests/fuzz/run_fuzz.sh (clang-19, the `fuzz` preset); the
// seeds are tests/data/feeds/sitemap/ (news, index, extensions, broken, gzip).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "feeds/sitemap.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using nw::fuzz::check;

void check(std::string_view s) { check(nw::fuzz::valid_utf8(s)); }

void check_loc(std::string_view loc) {
  check(loc);
  check(loc.starts_with("http://") || loc.starts_with("https://"));
}

constexpr std::string_view kContentTypes[] = {
    "", "application/xml; charset=utf-8", "text/xml; charset=windows-1256", "application/x-gzip"};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view content_type = kContentTypes[data[0] % std::size(kContentTypes)];
  const std::string_view bytes(reinterpret_cast<const char*>(data + 1), size - 1);
  const nw::Result<nw::Sitemap> s = nw::parse_sitemap(
      bytes,
      {.url = "https://fuzz.example/dir/sitemap.xml", .content_type = std::string(content_type)});
  if (!s) {
    if (s.error().code != nw::Errc::kParse && s.error().code != nw::Errc::kTooLarge) std::abort();
    check(s.error().message);
    return 0;
  }
  check(s->urls.size() + s->children.size() <= nw::kSitemapMaxEntries);
  check(!s->index || s->urls.empty());
  for (const nw::SitemapUrl& u : s->urls) {
    check_loc(u.loc);
    for (std::string_view t : {u.title, u.language, u.publication}) check(t);
  }
  for (const nw::SitemapChild& c : s->children) {
    check_loc(c.loc);
    check(c.lastmod_text);
  }
  for (const std::string& w : s->warnings) check(w);
  check(s->bozo);
  check(nw::fuzz::valid_utf8(nw::sitemap_to_json(*s)));
  return 0;
}
