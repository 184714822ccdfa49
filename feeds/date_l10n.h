// Dates written in other languages than English, as Arabic, Greek, Korean,
// French... feeds write them: rewritten into the English RFC 822 / ISO 8601
// forms feeds/date.cc parses. Internal to nw_feeds. Pure, safe from any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace nw {

// `text` with localized month names, weekday names, digits (Arabic-Indic,
// Persian) and punctuation in English/ASCII form, or nullopt when it holds a
// word that is none of those (then it is not a date we can read). Korean dates
// ("2004년 05월 28일 01:31:15", "2004-05-25 오후 11:23:17") come back as ISO
// 8601 in Korean time (+09:00), the zone they are written in.
std::optional<std::string> englishize_date(std::string_view text);

}  // namespace nw
