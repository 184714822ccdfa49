#include "feeds/date.h"

#include <array>
#include <cstdio>

#include "feeds/date_l10n.h"
#include "feeds/text.h"

namespace nw {
namespace {

using std::chrono::days;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// The broken-down fields both grammars fill in; validated and converted once.
struct Fields {
  int year = 0, month = 1, day = 1;
  int hour = 0, minute = 0, second = 0;
  int offset_minutes = 0;  // local time = UTC + offset
};

std::optional<std::chrono::sys_seconds> to_utc(const Fields& f) {
  if (f.year < 1 || f.year > 9999 || f.month < 1 || f.month > 12 || f.day < 1) return {};
  const std::chrono::year_month_day ymd{std::chrono::year{f.year},
                                        std::chrono::month{static_cast<unsigned>(f.month)},
                                        std::chrono::day{static_cast<unsigned>(f.day)}};
  if (!ymd.ok()) return {};
  // 24:00:00 is the end of the day (ISO 8601); a leap second :60 counts on.
  const bool end_of_day = f.hour == 24 && f.minute == 0 && f.second == 0;
  if ((f.hour > 23 && !end_of_day) || f.minute > 59 || f.second > 60) return {};
  return std::chrono::sys_days{ymd} + hours{f.hour} + minutes{f.minute} + seconds{f.second} -
         minutes{f.offset_minutes};
}

// A cursor over the text with the small reads both grammars need.
class Cursor {
 public:
  explicit Cursor(std::string_view s) : s_(s) {}

  bool done() const { return i_ >= s_.size(); }
  char peek(size_t ahead = 0) const { return i_ + ahead < s_.size() ? s_[i_ + ahead] : '\0'; }
  bool eat(char c) {
    if (peek() != c) return false;
    ++i_;
    return true;
  }
  void skip_spaces() {
    while (is_space(peek())) ++i_;
  }
  // Skips spaces and any of `extra`; returns whether anything was skipped.
  bool skip_any(std::string_view extra) {
    const size_t start = i_;
    while (!done() && (is_space(peek()) || extra.find(peek()) != std::string_view::npos)) ++i_;
    return i_ != start;
  }
  size_t digits_ahead() const {
    size_t n = 0;
    while (is_digit(peek(n))) ++n;
    return n;
  }
  // Reads exactly `n` digits.
  std::optional<int> number(size_t n) {
    if (digits_ahead() < n) return {};
    int v = 0;
    for (size_t k = 0; k < n; ++k) v = v * 10 + (s_[i_++] - '0');
    return v;
  }
  // Reads all the digits there are, if 1..max_len of them.
  std::optional<int> number_upto(size_t max_len, size_t* len = nullptr) {
    const size_t n = digits_ahead();
    if (n == 0 || n > max_len) return {};
    if (len) *len = n;
    return number(n);
  }
  std::string_view word() {
    const size_t start = i_;
    while (is_alpha(peek())) ++i_;
    return s_.substr(start, i_ - start);
  }
  void skip_fraction() {
    if ((peek() == '.' || peek() == ',') && is_digit(peek(1))) {
      ++i_;
      while (is_digit(peek())) ++i_;
    }
  }
  size_t pos() const { return i_; }
  void rewind(size_t pos) { i_ = pos; }

 private:
  std::string_view s_;
  size_t i_ = 0;
};

// The seconds of a time, after their separator: two digits and an optional
// fraction (",5" or ".1234"), which is dropped. Both grammars end a time so.
bool seconds_tail(Cursor& c, Fields& f) {
  const auto sec = c.number(2);
  if (!sec) return false;
  f.second = *sec;
  c.skip_fraction();
  return true;
}

// ---- zones ------------------------------------------------------------------

struct NamedZone {
  std::string_view name;
  int offset_minutes;
};

// Unambiguous names only: "IST" or "AST" could be any of three zones, so they
// stay unknown and the date is rejected rather than guessed.
constexpr std::array kZones = {
    NamedZone{"gmt", 0},
    NamedZone{"ut", 0},
    NamedZone{"utc", 0},
    NamedZone{"z", 0},
    NamedZone{"wet", 0},
    NamedZone{"est", -5 * 60},
    NamedZone{"edt", -4 * 60},
    NamedZone{"cst", -6 * 60},
    NamedZone{"cdt", -5 * 60},
    NamedZone{"mst", -7 * 60},
    NamedZone{"mdt", -6 * 60},
    NamedZone{"pst", -8 * 60},
    NamedZone{"pdt", -7 * 60},
    NamedZone{"akst", -9 * 60},
    NamedZone{"akdt", -8 * 60},
    NamedZone{"hst", -10 * 60},
    NamedZone{"west", 60},
    NamedZone{"cet", 60},
    NamedZone{"cest", 2 * 60},
    NamedZone{"met", 60},
    NamedZone{"mest", 2 * 60},
    NamedZone{"eet", 2 * 60},
    NamedZone{"eest", 3 * 60},
    NamedZone{"msk", 3 * 60},
    NamedZone{"jst", 9 * 60},
    // North American zones written without S or D ("16:31 ET"): read as
    // standard time, as feed readers do.
    NamedZone{"at", -4 * 60},
    NamedZone{"et", -5 * 60},
    NamedZone{"ct", -6 * 60},
    NamedZone{"mt", -7 * 60},
    NamedZone{"pt", -8 * 60},
};

// Military letters: A..I = +1..+9, K..M = +10..+12, N..Y = -1..-12, Z = 0 (J is
// local time, meaningless here). RFC 822 printed the signs backwards and RFC
// 2822 gave up on them; the military definition is the one senders mean.
std::optional<int> military_zone(char c) {
  c = lower_ascii(c);
  if (c >= 'a' && c <= 'i') return (c - 'a' + 1) * 60;
  if (c >= 'k' && c <= 'm') return (c - 'k' + 10) * 60;
  if (c >= 'n' && c <= 'y') return -(c - 'n' + 1) * 60;
  if (c == 'z') return 0;
  return {};
}

// "+0200", "+02:00", "+02", "-5"; the sign has not been read yet.
std::optional<int> numeric_offset(Cursor& c) {
  const int sign = c.peek() == '-' ? -1 : 1;
  if (!c.eat('+') && !c.eat('-')) return {};
  const size_t n = c.digits_ahead();
  int h = 0, m = 0;
  if (n == 4) {
    h = *c.number(2);
    m = *c.number(2);
  } else if (n == 1 || n == 2) {
    h = *c.number(n);
    if (c.peek() == ':' && c.digits_ahead() == 0) {
      c.eat(':');
      const auto mm = c.number(2);
      if (!mm || c.digits_ahead() != 0) return {};
      m = *mm;
    }
  } else {
    return {};
  }
  if (h > 18 || m > 59) return {};
  return sign * (h * 60 + m);
}

// A zone at the cursor: a name, a military letter, a numeric offset, or a name
// followed by an offset ("GMT+0200", "UTC+3").
std::optional<int> zone(Cursor& c, bool military) {
  if (c.peek() == '+' || c.peek() == '-') return numeric_offset(c);
  std::string_view name = c.word();
  if (iequals(name, "etc") && c.eat('/')) name = c.word();  // tz database "Etc/GMT", "Etc/UTC"
  if (name.empty()) return {};
  std::optional<int> base;
  for (const NamedZone& z : kZones) {
    if (iequals(name, z.name)) base = z.offset_minutes;
  }
  if (!base && name.size() == 1 && military) base = military_zone(name[0]);
  if (!base) return {};
  if (*base == 0 && name.size() > 1 && (c.peek() == '+' || c.peek() == '-')) {
    return numeric_offset(c);
  }
  return base;
}

// ---- ISO 8601 / RFC 3339 / W3CDTF --------------------------------------------

// Week date (ISO year, week, weekday 1=Mon) to a calendar date.
std::optional<std::chrono::year_month_day> from_week_date(int year, int week, int weekday) {
  using namespace std::chrono;
  if (week < 1 || week > 53 || weekday < 1 || weekday > 7) return {};
  // Week 1 is the week that holds January 4th.
  const sys_days jan4{std::chrono::year{year} / January / 4};
  const sys_days week1_monday = jan4 - days{std::chrono::weekday{jan4}.iso_encoding() - 1};
  const sys_days monday = week1_monday + days{(week - 1) * 7};
  // A week belongs to the year that holds its Thursday: rejects week 53 of a
  // 52-week year.
  if (year_month_day{monday + days{3}}.year() != std::chrono::year{year}) return {};
  return year_month_day{monday + days{weekday - 1}};
}

// The year to take for a date written without one ("--12-31").
int current_year() {
  using namespace std::chrono;
  return static_cast<int>(year_month_day{floor<days>(system_clock::now())}.year());
}

// Month and day from an ordinal day of `f.year`.
bool ordinal_day(int ordinal, Fields& f) {
  const std::chrono::sys_days jan1{std::chrono::year{f.year} / 1 / 1};
  const std::chrono::year_month_day ymd{jan1 + days{ordinal - 1}};
  if (ordinal < 1 || static_cast<int>(ymd.year()) != f.year) return false;
  f.month = static_cast<int>(static_cast<unsigned>(ymd.month()));
  f.day = static_cast<int>(static_cast<unsigned>(ymd.day()));
  return true;
}

bool iso_date_part(Cursor& c, Fields& f) {
  const auto year = c.number(4);
  if (!year) return false;
  f.year = *year;
  const bool extended = c.eat('-');
  if (!extended && c.digits_ahead() == 0 && c.peek() != 'W') return true;  // "2024"
  if (c.eat('W')) {
    const auto week = c.number(2);
    if (!week) return false;
    int weekday = 1;
    if ((extended ? c.eat('-') : true) && c.digits_ahead() == 1) weekday = *c.number(1);
    const auto ymd = from_week_date(f.year, *week, weekday);
    if (!ymd) return false;
    f.year = static_cast<int>(ymd->year());  // week 1 may start in December
    f.month = static_cast<int>(static_cast<unsigned>(ymd->month()));
    f.day = static_cast<int>(static_cast<unsigned>(ymd->day()));
    return true;
  }
  const size_t n = c.digits_ahead();
  if (n == 3 && extended && c.peek() == '0' && c.peek(3) == '-') {
    c.eat('0');         // "2003-012-31": a month written with three digits (Google's slip)
  } else if (n == 3) {  // ordinal date: 2024-060
    return ordinal_day(*c.number(3), f);
  }
  const auto month = c.number(2);
  if (!month) return false;
  f.month = *month;
  f.day = 1;
  if (extended ? c.eat('-') : c.digits_ahead() >= 2) {
    const auto day = c.number(2);
    if (!day) return false;
    f.day = *day;
  } else if (!extended) {
    return false;  // "202401" is not a date
  }
  return c.digits_ahead() == 0;
}

// The ISO 8601 dates with a two-digit year, or none, that ISO 8601:1988 allowed
// (feedparser reads them): "03-12-31", "031231", "03-335", "-03-12", "-0312"
// (year and month), "--12-31", "--1231", "--12" (the current year). A two-digit
// year is in the current century, as that standard says. Every field has its
// exact width. A six-digit run that reads as a year and a month too ("200312":
// 2003-12 or 2020-03-12) is not read: a wrong date is worse than none; nor is
// a bare five-digit number ("12345"): it is more often a count than a day.
bool iso_short_date_part(Cursor& c, Fields& f) {
  f.day = 1;
  if (c.eat('-')) {
    if (c.eat('-')) {  // --MM, --MM-DD, --MMDD
      const auto month = c.number(2);
      if (!month) return false;
      f.year = current_year();
      f.month = *month;
      if (c.eat('-') || c.digits_ahead() == 2) {
        const auto day = c.number(2);
        if (!day) return false;
        f.day = *day;
      }
      return c.digits_ahead() == 0;
    }
    const auto year = c.number(2);  // -YYMM, -YY-MM
    if (!year) return false;
    c.eat('-');
    const auto month = c.number(2);
    if (!month) return false;
    f.year = 2000 + *year;
    f.month = *month;
    return c.digits_ahead() == 0;
  }
  if (c.digits_ahead() == 6) {  // YYMMDD
    const size_t start = c.pos();
    const int yymm = *c.number(4);
    const int dd = *c.number(2);
    if (yymm >= 1900 && yymm <= 2099 && dd >= 1 && dd <= 12) {
      c.rewind(start);
      return false;  // also YYYYMM
    }
    f.year = 2000 + yymm / 100;
    f.month = yymm % 100;
    f.day = dd;
    return true;
  }
  const auto year = c.number(2);  // YY-MM-DD, YY-OOO
  if (!year || !c.eat('-')) return false;
  f.year = 2000 + *year;
  if (c.digits_ahead() == 3) return ordinal_day(*c.number(3), f);
  const auto month = c.number(2);
  if (!month || !c.eat('-')) return false;
  const auto day = c.number(2);
  if (!day) return false;
  f.month = *month;
  f.day = *day;
  return c.digits_ahead() == 0;
}

// `after_t`: the time follows an explicit 'T', so an hour alone followed by a
// zone ("2003-12-31T10Z", ISO 8601 reduced precision) is a time. A bare "T10"
// stays too vague: it is as often a cut-off "T10:14" as a whole hour.
bool iso_time_part(Cursor& c, Fields& f, bool after_t) {
  // "T9:15" is a common slip for "T09:15"; "T915" stays too vague.
  const auto hour = c.digits_ahead() == 1 && c.peek(1) == ':' ? c.number(1) : c.number(2);
  if (!hour) return false;
  f.hour = *hour;
  const bool extended = c.eat(':');
  if (!extended && c.digits_ahead() == 0 && after_t &&
      (c.peek() == 'Z' || c.peek() == 'z' || c.peek() == '+' || c.peek() == '-')) {
    f.minute = 0;
    return true;
  }
  if (!extended && c.digits_ahead() < 2) return false;  // "10:" or " 10" alone is too vague
  const auto minute = c.number(2);
  if (!minute) return false;
  f.minute = *minute;
  if ((extended ? c.eat(':') : c.digits_ahead() >= 2) && !seconds_tail(c, f)) return false;
  return c.digits_ahead() == 0;
}

// `short_form`: the date has a two-digit year or none (iso_short_date_part).
std::optional<std::chrono::sys_seconds> parse_iso(std::string_view text, bool short_form = false) {
  Cursor c(text);
  Fields f;
  if (!(short_form ? iso_short_date_part(c, f) : iso_date_part(c, f))) return {};
  if (c.done()) return to_utc(f);
  const size_t before_sep = c.pos();
  bool have_time = true;
  if (c.eat('T') || c.eat('t')) {
    if (!iso_time_part(c, f, /*after_t=*/true)) return {};
  } else if (c.skip_any({}) && c.digits_ahead() >= 2) {
    if (!iso_time_part(c, f, /*after_t=*/false)) return {};
  } else {
    c.rewind(before_sep);
    have_time = false;
  }
  c.skip_spaces();
  // A zone belongs to a time: "2013-01-27-01" is a date with a part too many.
  if (!c.done() && !have_time && (c.peek() == '-' || c.peek() == '+')) return {};
  if (!c.done()) {
    const auto offset = zone(c, /*military=*/false);
    if (!offset) return {};
    f.offset_minutes = *offset;
  }
  c.skip_spaces();
  if (!c.done()) return {};
  return to_utc(f);
}

// ---- RFC 822 and relatives ----------------------------------------------------

std::optional<int> month_from_name(std::string_view w) {
  static constexpr std::array<std::string_view, 12> kMonths = {
      "january", "february", "march",     "april",   "may",      "june",
      "july",    "august",   "september", "october", "november", "december"};
  if (w.size() < 3) return {};
  for (size_t m = 0; m < kMonths.size(); ++m) {
    const std::string_view full = kMonths[m];
    if (w.size() > full.size()) continue;
    // "Jan", "January", and the common "Sept".
    if ((w.size() == 3 || w.size() == full.size() || (m == 8 && w.size() == 4)) &&
        iequals(w, full.substr(0, w.size()))) {
      return static_cast<int>(m + 1);
    }
  }
  return {};
}

bool is_weekday_name(std::string_view w) {
  static constexpr std::array<std::string_view, 7> kDays = {
      "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"};
  if (w.size() < 2) return false;
  for (std::string_view d : kDays) {
    if (w.size() <= d.size() && iequals(w, d.substr(0, w.size())) &&
        (w.size() >= 3 || d == "thursday" || d == "tuesday")) {
      return true;
    }
  }
  return false;
}

int expand_year(int year, size_t digits) {
  if (digits == 2) return year < 50 ? 2000 + year : 1900 + year;  // RFC 2822 4.3
  if (digits == 3) return 1900 + year;
  return year;
}

// Removes RFC 2822 comments: "+0000 (UTC)".
std::string strip_comments(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  int depth = 0;
  for (char ch : s) {
    if (ch == '(') {
      ++depth;
    } else if (ch == ')' && depth > 0) {
      --depth;
    } else if (depth == 0) {
      out.push_back(ch);
    }
  }
  return out;
}

bool rfc_time(Cursor& c, Fields& f) {
  const auto hour = c.number_upto(2);
  if (!hour || !c.eat(':')) return false;
  const auto minute = c.number(2);
  if (!minute) return false;
  f.hour = *hour;
  f.minute = *minute;
  if (c.eat(':') && !seconds_tail(c, f)) return false;
  return c.digits_ahead() == 0;
}

// Perforce's "2006/09/15 08:19:53 EDT" (the weekday already skipped).
std::optional<std::chrono::sys_seconds> parse_perforce(std::string_view text) {
  Cursor c(text);
  Fields f;
  const auto year = c.number(4);
  if (!year || !c.eat('/')) return {};
  const auto month = c.number_upto(2);
  if (!month || !c.eat('/')) return {};
  const auto day = c.number_upto(2);
  if (!day) return {};
  f.year = *year;
  f.month = *month;
  f.day = *day;
  c.skip_spaces();
  if (!c.done() && !rfc_time(c, f)) return {};
  c.skip_spaces();
  if (!c.done()) {
    const auto offset = zone(c, /*military=*/false);
    if (!offset) return {};
    f.offset_minutes = *offset;
  }
  c.skip_spaces();
  if (!c.done()) return {};
  return to_utc(f);
}

std::optional<std::chrono::sys_seconds> parse_rfc822(std::string_view raw) {
  const std::string text = strip_comments(raw);
  Cursor c(text);
  Fields f;
  c.skip_any(",");
  if (is_alpha(c.peek())) {
    const size_t start = c.pos();
    if (is_weekday_name(c.word())) {
      c.eat('.');
      c.skip_any(",");
    } else {
      c.rewind(start);
    }
  }
  bool have_year = false;
  if (c.digits_ahead() == 4) return parse_perforce(text.substr(c.pos()));
  if (is_digit(c.peek())) {  // "02 Jan 2024", "02-Jan-24", "2 January, 2024"
    const auto day = c.number_upto(2);
    if (!day) return {};
    f.day = *day;
    c.skip_any("-/.");
    const auto month = month_from_name(c.word());
    if (!month) return {};
    f.month = *month;
    c.eat('.');
    c.skip_any("-/,");
    size_t len = 0;
    const auto year = c.number_upto(4, &len);
    if (!year || c.peek() == ':') return {};
    f.year = expand_year(*year, len);
    have_year = true;
  } else {  // "Jan 02 2024", "January 2, 2024", asctime "Jan  2 10:00:00 2024"
    const auto month = month_from_name(c.word());
    if (!month) return {};
    f.month = *month;
    c.eat('.');
    c.skip_any("-/");
    const auto day = c.number_upto(2);
    if (!day) return {};
    f.day = *day;
    c.skip_any(",");
    if (c.digits_ahead() >= 2 && c.peek(c.digits_ahead()) != ':') {
      size_t len = 0;
      const auto year = c.number_upto(4, &len);
      if (!year) return {};
      f.year = expand_year(*year, len);
      have_year = true;
    }
  }
  c.skip_any(",");
  if (is_digit(c.peek())) {
    if (!rfc_time(c, f)) return {};
    c.skip_spaces();
  }
  if (!have_year && c.digits_ahead() == 4) {
    f.year = *c.number(4);
    have_year = true;
    c.skip_spaces();
  }
  if (!c.done() && c.peek() != '.') {
    const bool numeric = c.peek() == '+' || c.peek() == '-';
    const auto offset = zone(c, /*military=*/true);
    if (!offset) return {};
    f.offset_minutes = *offset;
    c.skip_spaces();
    if (numeric && is_alpha(c.peek())) {  // "+0000 GMT": a redundant name
      const size_t start = c.pos();
      if (!zone(c, false)) c.rewind(start);
    }
  }
  c.skip_any(".");
  if (!have_year && c.digits_ahead() == 4) {  // asctime-like with the zone before the year
    f.year = *c.number(4);
    have_year = true;
    c.skip_spaces();
  }
  if (!c.done() || !have_year) return {};
  return to_utc(f);
}

}  // namespace

namespace {

std::optional<std::chrono::sys_seconds> parse_english(std::string_view text) {
  size_t digits = 0;
  while (digits < text.size() && is_digit(text[digits])) ++digits;
  // ISO dates start with a four-digit year; RFC 822 ones never do.
  if (digits >= 4) {
    if (text.size() > 4 && text[4] == '/') return parse_perforce(text);
    if (std::optional<std::chrono::sys_seconds> t = parse_iso(text); t || digits != 6) return t;
  }
  // ISO 8601 with a two-digit year or none: "-0312", "--12-31", "03-12-31",
  // "031231" (RFC 822's "02-Jan-24" fails here and is read below).
  if (text.starts_with('-') || digits == 6 || (digits == 2 && text.size() > 2 && text[2] == '-')) {
    if (std::optional<std::chrono::sys_seconds> t = parse_iso(text, /*short_form=*/true)) return t;
  }
  return parse_rfc822(text);
}

}  // namespace

std::optional<std::chrono::sys_seconds> parse_date(std::string_view text) {
  text = trim(text);
  if (text.empty() || text.size() > 128) return {};
  if (std::optional<std::chrono::sys_seconds> t = parse_english(text)) return t;
  // Rare: a date in another language (an Arabic month, Arabic-Indic digits).
  if (std::optional<std::string> english = englishize_date(text)) {
    std::string_view e = *english;
    while (!e.empty() && (is_space(e.front()) || e.front() == ',' || e.front() == '.'))
      e.remove_prefix(1);
    return parse_english(e);
  }
  return {};
}

std::string format_iso8601(std::chrono::sys_seconds t) {
  const auto day = std::chrono::floor<days>(t);
  const std::chrono::year_month_day ymd{day};
  const std::chrono::hh_mm_ss hms{t - day};
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()));
  return buf;
}

}  // namespace nw
