// libFuzzer target for the HTML side: parse(), extract_article() and
// find_article_links() take pages from anyone on the internet. Beyond "no
// crash, no sanitizer report", it checks the contract: for valid UTF-8 input
// every output string is valid UTF-8, the text has no empty lines, an empty
// text carries a reason (and only an empty one does), and every listing link is an absolute http(s)
// URL without a fragment.
//
// Built and run by tests/fuzz/run_fuzz.sh (clang-19, the `fuzz` preset).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "filters/extract.h"
#include "filters/listing.h"
#include "tests/fuzz/fuzz_check.h"

using nw::fuzz::check;
using nw::fuzz::valid_utf8;

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
