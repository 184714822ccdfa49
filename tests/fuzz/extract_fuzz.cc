// libFuzzer target for the HTML side: parse(), extract_article() and
// find_article_links() take pages from anyone on the internet. Beyond "no
// crash, no sanitizer report", it checks the contract: for valid UTF-8 input
// every output string is valid UTF-8, the text has no empty lines, an empty
// text carries a reason (and only an empty one does), and every listing link is an absolute http(s)
// URL without a fragment.
//
// Not built by the default (GCC) build; with a clang whose library has
// std::expected (clang 16+; Debian 12's clang 14 has not):
//   clang++ -std=c++2b -g -O1 -fsanitize=fuzzer,address,undefined -I. \
//     tests/fuzz/extract_fuzz.cc filters/{html,extract,extract_meta,boilerplate}.cc \
//     feeds/{listing,url,date}.cc -lmodest -licuuc -lcurl -o extract_fuzz
//   ./extract_fuzz -max_total_time=60 -max_len=200000 tests/data/extract/ tests/data/listing/
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "feeds/listing.h"
#include "filters/extract.h"

namespace {

bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    const std::size_t n = c < 0x80                   ? 1
                          : (c >= 0xC2 && c <= 0xDF) ? 2
                          : (c >= 0xE0 && c <= 0xEF) ? 3
                          : (c >= 0xF0 && c <= 0xF4) ? 4
                                                     : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (std::size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += n;
  }
  return true;
}

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view html(reinterpret_cast<const char*>(data), size);
  const bool utf8 = valid_utf8(html);

  const nw::Article a = nw::extract_article(html, {.base_url = "https://example.com/news/1"});
  check(a.text.find("\n\n") == std::string::npos);
  check(!a.text.empty() || !a.reason.empty());
  check(a.text.empty() || a.reason.empty());  // a reason only explains an empty text
  check(!a.text.starts_with('\n') && !a.text.ends_with('\n'));
  if (utf8) {
    check(valid_utf8(a.text) && valid_utf8(a.title) && valid_utf8(a.author));
  }

  for (const nw::ListingLink& l : nw::find_article_links(html, "https://example.com/news/")) {
    check(l.url.starts_with("http://") || l.url.starts_with("https://"));
    check(l.url.find('#') == std::string::npos);
    if (utf8) check(valid_utf8(l.title));
  }
  return 0;
}
