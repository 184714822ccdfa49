// libFuzzer target for watchlist files: load_watchlist (config/config.h) on the
// input as a TOML file, then, when it loads, Matcher::compile and match() over
// a fixed article and over the input itself. Contract checked: a bad file is
// Errc::kInvalid with a message (never an exception); compile errors likewise;
// every match span lies inside its field. Also parse_duration on the first line.
// The file is a memfd (/proc/self/fd/N), so runs leave nothing on disk.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>
#include <string_view>

#include "config/config.h"
#include "filters/matcher.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using nw::fuzz::check;

int memfd() {
  static const int fd = [] {
    const int f = memfd_create("watchlist.toml", 0);
    if (f < 0) std::abort();
    return f;
  }();
  return fd;
}

void check_spans(const nw::Hit& hit, const nw::Document& doc) {
  check(!hit.rule.empty());
  for (const nw::MatchSpan& s : hit.spans) {
    const std::size_t len =
        s.field == nw::MatchSpan::Field::kTitle ? doc.title.size() : doc.body.size();
    check(s.begin <= s.end && s.end <= len);
  }
}

constexpr std::string_view kTitle = "Haftar arrives in Cairo: المشير حفتر يصل إلى القاهرة";
constexpr std::string_view kBody =
    "وصل المشير خليفة حفتر للقاهرة اليوم، في زيارة رسمية. The talks focus on Libya's "
    "oil fields; Obama's envoy and l'État français were mentioned. المسئولين والمسؤولين.";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)nw::parse_duration(text.substr(0, text.find('\n')));

  const int fd = memfd();
  if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != static_cast<ssize_t>(size))
    std::abort();
  const nw::Result<nw::Watchlist> w = nw::load_watchlist("/proc/self/fd/" + std::to_string(fd));
  if (!w) {
    check(w.error().code == nw::Errc::kInvalid && !w.error().message.empty());
    return 0;
  }
  const auto matcher = nw::Matcher::compile(std::span(&*w, 1));
  if (!matcher) {
    check(matcher.error().code == nw::Errc::kInvalid && !matcher.error().message.empty());
    return 0;
  }
  for (const nw::Document& doc :
       {nw::Document{.title = kTitle, .body = kBody, .source = "s", .language = "ar"},
        nw::Document{.title = text.substr(0, 200), .body = text}}) {
    for (const nw::Hit& hit : (*matcher)->match(doc)) check_spans(hit, doc);
  }
  return 0;
}
