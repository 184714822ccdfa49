// libFuzzer target for alert_from_json (daemon/alert.h), which subscribers and
// the store run on JSON they did not write. Contract checked: a bad document is
// Errc::kParse with a message, never an exception or a crash; a good one
// survives to_json() and parses back to the same alert.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "daemon/alert.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using nw::fuzz::check;

bool same(const nw::Alert& a, const nw::Alert& b) {
  return a.seq == b.seq && a.watchlist == b.watchlist && a.rule == b.rule && a.source == b.source &&
         a.url == b.url && a.title == b.title && a.published == b.published &&
         a.fetched == b.fetched && a.matched == b.matched && a.snippet == b.snippet &&
         a.severity == b.severity && a.tags == b.tags && a.story == b.story &&
         a.story_size == b.story_size && a.suppressed == b.suppressed;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view json(reinterpret_cast<const char*>(data), size);
  const nw::Result<nw::Alert> alert = nw::alert_from_json(json);
  if (!alert) {
    check(alert.error().code == nw::Errc::kParse && !alert.error().message.empty());
    return 0;
  }
  const std::string again = nw::to_json(*alert);
  const nw::Result<nw::Alert> back = nw::alert_from_json(again);
  check(back.has_value() && same(*alert, *back));
  check(nw::to_json(*back) == again);
  return 0;
}
