#include "daemon/notify/local_time.h"

#include <unicode/smpdtfmt.h>
#include <unicode/timezone.h>
#include <unicode/unistr.h>

#include <memory>

namespace nw {
namespace {

icu::UnicodeString to_unicode(std::string_view s) {
  return icu::UnicodeString::fromUTF8(icu::StringPiece(s.data(), static_cast<int32_t>(s.size())));
}

bool known_zone(std::string_view timezone) {
  if (timezone.empty()) return false;
  UErrorCode status = U_ZERO_ERROR;
  icu::UnicodeString canonical;
  UBool is_system = false;
  icu::TimeZone::getCanonicalID(to_unicode(timezone), canonical, is_system, status);
  return U_SUCCESS(status) && is_system;
}

}  // namespace

Result<void> check_timezone(std::string_view timezone) {
  if (known_zone(timezone)) return {};
  return fail(Errc::kInvalid, "unknown time zone \"" + std::string(timezone) +
                                  "\": give an IANA name such as \"Africa/Tripoli\", "
                                  "\"Europe/Paris\" or \"UTC\"");
}

std::string format_local(std::chrono::sys_seconds t, const std::string& timezone) {
  const bool known = known_zone(timezone);
  const std::string zone = known ? timezone : "UTC";
  UErrorCode status = U_ZERO_ERROR;
  // en_US_POSIX: Latin digits and a fixed pattern whatever the process locale.
  icu::SimpleDateFormat format(icu::UnicodeString("yyyy-MM-dd HH:mm"), icu::Locale("en_US_POSIX"),
                               status);
  if (U_FAILURE(status)) return "?";
  format.adoptTimeZone(icu::TimeZone::createTimeZone(to_unicode(zone)));
  icu::UnicodeString out;
  format.format(static_cast<UDate>(t.time_since_epoch().count()) * 1000.0, out);
  std::string text;
  out.toUTF8String(text);
  return text + " (" + zone + ")";
}

}  // namespace nw
