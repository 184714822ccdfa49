#include "daemon/alert.h"

#include <charconv>
#include <cstdio>
#include <exception>
#include <nlohmann/json.hpp>
#include <utility>

#include "feeds/date.h"
#include "feeds/text.h"

namespace nw {
namespace {

// ordered_json keeps the keys in the documented order, so the wire form is
// stable and readable ("v" first).
using Json = nlohmann::ordered_json;

constexpr int kVersion = 1;

// Parses exactly "YYYY-MM-DDTHH:MM:SSZ", the only form format_utc writes.
std::optional<std::chrono::sys_seconds> parse_utc(std::string_view s) {
  if (s.size() != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
      s[16] != ':' || s[19] != 'Z') {
    return std::nullopt;
  }
  auto number = [&](std::size_t pos, std::size_t len) -> std::optional<int> {
    int v = 0;
    for (std::size_t i = pos; i < pos + len; ++i) {
      if (s[i] < '0' || s[i] > '9') return std::nullopt;
      v = v * 10 + (s[i] - '0');
    }
    return v;
  };
  auto year = number(0, 4), month = number(5, 2), day = number(8, 2);
  auto hour = number(11, 2), minute = number(14, 2), second = number(17, 2);
  if (!year || !month || !day || !hour || !minute || !second) return std::nullopt;
  std::chrono::year_month_day ymd{std::chrono::year{*year},
                                  std::chrono::month{static_cast<unsigned>(*month)},
                                  std::chrono::day{static_cast<unsigned>(*day)}};
  if (!ymd.ok() || *hour > 23 || *minute > 59 || *second > 59) return std::nullopt;
  return std::chrono::sys_days{ymd} + std::chrono::hours{*hour} + std::chrono::minutes{*minute} +
         std::chrono::seconds{*second};
}

Error bad(std::string_view what) {
  return Error{Errc::kParse, "invalid alert JSON: " + std::string(what)};
}

// Reads a required string member; `out` is left alone on error.
std::optional<Error> read_string(const Json& j, const char* key, std::string& out) {
  auto it = j.find(key);
  if (it == j.end()) return bad(std::string("missing \"") + key + "\"");
  if (!it->is_string()) return bad(std::string("\"") + key + "\" is not a string");
  out = it->get_ref<const std::string&>();
  return std::nullopt;
}

std::optional<Error> read_string_list(const Json& j, const char* key, bool required,
                                      std::vector<std::string>& out) {
  auto it = j.find(key);
  if (it == j.end()) {
    if (required) return bad(std::string("missing \"") + key + "\"");
    return std::nullopt;
  }
  if (!it->is_array()) return bad(std::string("\"") + key + "\" is not an array");
  out.clear();
  for (const auto& e : *it) {
    if (!e.is_string()) return bad(std::string("\"") + key + "\" holds a non-string");
    out.push_back(e.get_ref<const std::string&>());
  }
  return std::nullopt;
}

std::optional<Error> read_time(const Json& j, const char* key, bool nullable,
                               std::optional<std::chrono::sys_seconds>& out) {
  auto it = j.find(key);
  if (it == j.end()) return bad(std::string("missing \"") + key + "\"");
  if (nullable && it->is_null()) {
    out.reset();
    return std::nullopt;
  }
  if (!it->is_string()) return bad(std::string("\"") + key + "\" is not a time string");
  const auto& text = it->get_ref<const std::string&>();
  out = parse_utc(text);
  if (!out) {
    return bad(std::string("\"") + key + "\" is not a UTC time like 2020-06-03T09:15:00Z: \"" +
               text + "\"");
  }
  return std::nullopt;
}

}  // namespace

std::string format_utc(std::chrono::sys_seconds t) { return format_iso8601(t); }

std::optional<std::uint64_t> parse_seq(std::string_view text) {
  std::uint64_t v = 0;
  if (text.empty() || text.size() > 20) return std::nullopt;  // 2^64 - 1 has 20 digits
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return v;
}

std::string alert_id(std::string_view watchlist, std::string_view rule,
                     std::string_view article_key) {
  return fnv1a64_hex({watchlist, rule, article_key});
}

std::string to_json(const Alert& alert) {
  Json j;
  j["v"] = kVersion;
  if (!alert.id.empty()) j["id"] = alert.id;
  j["seq"] = alert.seq;
  j["watchlist"] = alert.watchlist;
  j["rule"] = alert.rule;
  j["source"] = alert.source;
  j["url"] = alert.url;
  j["title"] = alert.title;
  j["published"] = alert.published ? Json(format_utc(*alert.published)) : Json(nullptr);
  j["fetched"] = format_utc(alert.fetched);
  j["matched"] = alert.matched;
  j["snippet"] = alert.snippet;
  if (!alert.severity.empty()) j["severity"] = alert.severity;
  if (!alert.tags.empty()) j["tags"] = alert.tags;
  if (!alert.language.empty()) {
    j["language"] = alert.language;
    if (!alert.language_from.empty()) j["language_from"] = alert.language_from;
  }
  if (!alert.story.empty()) {
    j["story"] = alert.story;
    j["story_size"] = alert.story_size;
    if (alert.story_sources > 0) j["story_sources"] = alert.story_sources;
  }
  if (!alert.story_source_ids.empty()) j["story_source_ids"] = alert.story_source_ids;
  if (alert.suppressed) j["suppressed"] = true;
  if (alert.held) j["held"] = true;
  // Article text is not guaranteed valid UTF-8: replace bad bytes with U+FFFD
  // rather than throw. Non-ASCII stays as UTF-8 (ensure_ascii = false).
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

Result<Alert> alert_from_json(std::string_view json) {
  Json j;
  try {
    j = Json::parse(json);
  } catch (const Json::exception& e) {
    // parse_error, and out_of_range for a number too large ("1e999999", found by
    // tests/fuzz/alert_fuzz.cc). nlohmann reports position and reason:
    // "[json.exception.parse_error.101] parse error at line 1, column 7: ...";
    // the bracketed id means nothing to a user.
    std::string_view what = e.what();
    if (auto pos = what.find("] "); pos != std::string_view::npos) what.remove_prefix(pos + 2);
    return std::unexpected(bad(what));
  }
  if (!j.is_object()) return std::unexpected(bad("not an object"));

  auto v = j.find("v");
  if (v == j.end()) return std::unexpected(bad("missing \"v\""));
  if (!v->is_number_integer() || v->get<std::int64_t>() != kVersion) {
    return std::unexpected(bad("unsupported version " + v->dump() + " (expected 1)"));
  }
  Alert a;
  auto seq = j.find("seq");
  if (seq == j.end()) return std::unexpected(bad("missing \"seq\""));
  if (!seq->is_number_unsigned()) {
    return std::unexpected(bad("\"seq\" is not a non-negative integer: " + seq->dump()));
  }
  a.seq = seq->get<std::uint64_t>();

  std::optional<std::chrono::sys_seconds> fetched;
  std::optional<Error> err;
  if ((err = read_string(j, "watchlist", a.watchlist)) || (err = read_string(j, "rule", a.rule)) ||
      (err = read_string(j, "source", a.source)) || (err = read_string(j, "url", a.url)) ||
      (err = read_string(j, "title", a.title)) ||
      (err = read_time(j, "published", true, a.published)) ||
      (err = read_time(j, "fetched", false, fetched)) ||
      (err = read_string_list(j, "matched", true, a.matched)) ||
      (err = read_string(j, "snippet", a.snippet)) ||
      (err = read_string_list(j, "tags", false, a.tags))) {
    return std::unexpected(std::move(*err));
  }
  a.fetched = *fetched;
  if (auto id = j.find("id"); id != j.end()) {
    if (!id->is_string()) return std::unexpected(bad("\"id\" is not a string"));
    a.id = id->get_ref<const std::string&>();
  }
  if (auto sev = j.find("severity"); sev != j.end()) {
    if (!sev->is_string()) return std::unexpected(bad("\"severity\" is not a string"));
    a.severity = sev->get_ref<const std::string&>();
  }
  for (auto [key, field] :
       {std::pair{"language", &a.language}, std::pair{"language_from", &a.language_from}}) {
    if (auto it = j.find(key); it != j.end()) {
      if (!it->is_string())
        return std::unexpected(bad("\"" + std::string(key) + "\" is not a string"));
      *field = it->get_ref<const std::string&>();
    }
  }
  if (auto story = j.find("story"); story != j.end()) {
    if (!story->is_string()) return std::unexpected(bad("\"story\" is not a string"));
    a.story = story->get_ref<const std::string&>();
    if (a.story.empty()) return std::unexpected(bad("\"story\" must not be empty"));
    auto size = j.find("story_size");
    if (size == j.end() || !size->is_number_unsigned()) {
      return std::unexpected(bad("\"story_size\" is missing or not a non-negative integer"));
    }
    a.story_size = size->get<std::uint64_t>();
    if (auto sources = j.find("story_sources"); sources != j.end()) {
      if (!sources->is_number_unsigned())
        return std::unexpected(bad("\"story_sources\" is not a non-negative integer"));
      a.story_sources = sources->get<std::uint64_t>();
    }
  }
  if (auto sup = j.find("suppressed"); sup != j.end()) {
    if (!sup->is_boolean()) return std::unexpected(bad("\"suppressed\" is not a boolean"));
    a.suppressed = sup->get<bool>();
  }
  if (auto held = j.find("held"); held != j.end()) {
    if (!held->is_boolean()) return std::unexpected(bad("\"held\" is not a boolean"));
    a.held = held->get<bool>();
  }
  if (auto ids = j.find("story_source_ids"); ids != j.end()) {
    if (!ids->is_array()) return std::unexpected(bad("\"story_source_ids\" is not an array"));
    for (const Json& id : *ids) {
      if (!id.is_string()) return std::unexpected(bad("\"story_source_ids\" holds a non-string"));
      a.story_source_ids.push_back(id.get<std::string>());
    }
  }
  if (a.watchlist.empty() || a.rule.empty()) {
    return std::unexpected(bad("\"watchlist\" and \"rule\" must not be empty"));
  }
  return a;
}

}  // namespace nw
