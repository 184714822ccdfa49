#include "feeds/date_l10n.h"

#include <array>
#include <cstdio>
#include <vector>

namespace nw {
namespace {

struct Word {
  std::string_view text;  // lower case where the script has case
  int month;              // 1-12, or 0 for a weekday name
};

// Months (1-12) and weekdays (0) in the languages news feeds use, beyond
// English. Abbreviations as publishers write them; compared after ASCII
// lower-casing, so non-ASCII capitals (Greek) are listed as written.
constexpr std::array kWords = {
    // Arabic, Egyptian / Gulf forms.
    Word{"يناير", 1},
    Word{"فبراير", 2},
    Word{"مارس", 3},
    Word{"أبريل", 4},
    Word{"ابريل", 4},
    Word{"إبريل", 4},
    Word{"مايو", 5},
    Word{"يونيو", 6},
    Word{"يونيه", 6},
    Word{"يوليو", 7},
    Word{"يوليه", 7},
    Word{"أغسطس", 8},
    Word{"اغسطس", 8},
    Word{"سبتمبر", 9},
    Word{"أكتوبر", 10},
    Word{"اكتوبر", 10},
    Word{"نوفمبر", 11},
    Word{"ديسمبر", 12},
    // Arabic, Levantine / Iraqi (the two-word ones are joined first, see below).
    Word{"كانون_الثاني", 1},
    Word{"شباط", 2},
    Word{"آذار", 3},
    Word{"اذار", 3},
    Word{"نيسان", 4},
    Word{"أيار", 5},
    Word{"ايار", 5},
    Word{"حزيران", 6},
    Word{"تموز", 7},
    Word{"آب", 8},
    Word{"اب", 8},
    Word{"أيلول", 9},
    Word{"ايلول", 9},
    Word{"تشرين_الأول", 10},
    Word{"تشرين_الاول", 10},
    Word{"تشرين_الثاني", 11},
    Word{"كانون_الأول", 12},
    Word{"كانون_الاول", 12},
    // Arabic, Maghrebi (Algeria, Tunisia; Morocco).
    Word{"جانفي", 1},
    Word{"فيفري", 2},
    Word{"أفريل", 4},
    Word{"افريل", 4},
    Word{"ماي", 5},
    Word{"جوان", 6},
    Word{"جويلية", 7},
    Word{"أوت", 8},
    Word{"اوت", 8},
    Word{"يوليوز", 7},
    Word{"غشت", 8},
    Word{"شتنبر", 9},
    Word{"نونبر", 11},
    Word{"دجنبر", 12},
    Word{"الأحد", 0},
    Word{"الاحد", 0},
    Word{"الاثنين", 0},
    Word{"الإثنين", 0},
    Word{"الثلاثاء", 0},
    Word{"الأربعاء", 0},
    Word{"الاربعاء", 0},
    Word{"الخميس", 0},
    Word{"الجمعة", 0},
    Word{"السبت", 0},
    // French.
    Word{"janvier", 1},
    Word{"janv", 1},
    Word{"février", 2},
    Word{"fevrier", 2},
    Word{"févr", 2},
    Word{"fevr", 2},
    Word{"mars", 3},
    Word{"avril", 4},
    Word{"avr", 4},
    Word{"mai", 5},
    Word{"juin", 6},
    Word{"juillet", 7},
    Word{"juil", 7},
    Word{"août", 8},
    Word{"aout", 8},
    Word{"septembre", 9},
    Word{"octobre", 10},
    Word{"novembre", 11},
    Word{"décembre", 12},
    Word{"decembre", 12},
    Word{"déc", 12},
    Word{"lun", 0},
    Word{"mer", 0},
    Word{"jeu", 0},
    Word{"ven", 0},
    Word{"sam", 0},
    Word{"dim", 0},
    Word{"lundi", 0},
    Word{"mardi", 0},
    Word{"mercredi", 0},
    Word{"jeudi", 0},
    Word{"vendredi", 0},
    Word{"samedi", 0},
    Word{"dimanche", 0},
    // German.
    Word{"januar", 1},
    Word{"februar", 2},
    Word{"märz", 3},
    Word{"mär", 3},
    Word{"mrz", 3},
    Word{"juni", 6},
    Word{"juli", 7},
    Word{"okt", 10},
    Word{"oktober", 10},
    Word{"dez", 12},
    Word{"dezember", 12},
    Word{"mo", 0},
    Word{"di", 0},
    Word{"mi", 0},
    Word{"do", 0},
    Word{"fr", 0},
    Word{"sa", 0},
    Word{"so", 0},
    Word{"montag", 0},
    Word{"dienstag", 0},
    Word{"mittwoch", 0},
    Word{"donnerstag", 0},
    Word{"freitag", 0},
    Word{"samstag", 0},
    Word{"sonntag", 0},
    // Spanish.
    Word{"enero", 1},
    Word{"ene", 1},
    Word{"febrero", 2},
    Word{"marzo", 3},
    Word{"abril", 4},
    Word{"abr", 4},
    Word{"mayo", 5},
    Word{"junio", 6},
    Word{"julio", 7},
    Word{"agosto", 8},
    Word{"ago", 8},
    Word{"septiembre", 9},
    Word{"setiembre", 9},
    Word{"octubre", 10},
    Word{"noviembre", 11},
    Word{"diciembre", 12},
    Word{"dic", 12},
    Word{"mié", 0},
    Word{"mie", 0},
    Word{"jue", 0},
    Word{"vie", 0},
    Word{"sáb", 0},
    Word{"sab", 0},
    Word{"dom", 0},
    // Hungarian.
    Word{"január", 1},
    Word{"február", 2},
    Word{"március", 3},
    Word{"április", 4},
    Word{"május", 5},
    Word{"június", 6},
    Word{"július", 7},
    Word{"augusztus", 8},
    Word{"szeptember", 9},
    Word{"október", 10},
    // Greek.
    Word{"Ιαν", 1},
    Word{"Φεβ", 2},
    Word{"Μάρ", 3},
    Word{"Μαρ", 3},
    Word{"Απρ", 4},
    Word{"Μάι", 5},
    Word{"Μαϊ", 5},
    Word{"Μαι", 5},
    Word{"Μάϊ", 5},
    Word{"Ιούν", 6},
    Word{"Ιουν", 6},
    Word{"Ιον", 6},
    Word{"Ιούλ", 7},
    Word{"Ιουλ", 7},
    Word{"Ιολ", 7},
    Word{"Αύγ", 8},
    Word{"Αυγ", 8},
    Word{"Σεπ", 9},
    Word{"Οκτ", 10},
    Word{"Νοέ", 11},
    Word{"Νοε", 11},
    Word{"Δεκ", 12},
    Word{"Κυρ", 0},
    Word{"Δευ", 0},
    Word{"Τρι", 0},
    Word{"Τετ", 0},
    Word{"Πεμ", 0},
    Word{"Παρ", 0},
    Word{"Σαβ", 0},
};

constexpr std::array<std::string_view, 12> kEnglishMonths = {
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

bool is_ascii_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Digits and punctuation from other scripts to ASCII; joins the two-word
// Levantine month names with '_' so they tokenize as one word.
std::string to_ascii_digits(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    const auto b1 = static_cast<unsigned char>(i + 1 < s.size() ? s[i + 1] : 0);
    if (b0 == 0xD9 && b1 >= 0xA0 && b1 <= 0xA9) {  // U+0660-0669 Arabic-Indic
      out.push_back(static_cast<char>('0' + (b1 - 0xA0)));
      ++i;
    } else if (b0 == 0xDB && b1 >= 0xB0 && b1 <= 0xB9) {  // U+06F0-06F9 Persian
      out.push_back(static_cast<char>('0' + (b1 - 0xB0)));
      ++i;
    } else if (b0 == 0xD8 && b1 == 0x8C) {  // U+060C Arabic comma
      out.push_back(',');
      ++i;
    } else {
      out.push_back(s[i]);
    }
  }
  for (std::string_view first : {"كانون ", "تشرين "}) {
    for (size_t p = out.find(first); p != std::string::npos; p = out.find(first, p + 1)) {
      out[p + first.size() - 1] = '_';
    }
  }
  return out;
}

// Korean: the numbers in order (year, month, day, hour, minute, second), an
// afternoon marker, and Korean time.
std::optional<std::string> korean(const std::string& s) {
  const bool pm = s.find("오후") != std::string::npos;
  std::vector<int> n;
  for (size_t i = 0; i < s.size();) {
    if (!is_digit(s[i])) {
      ++i;
      continue;
    }
    int v = 0;
    size_t len = 0;
    for (; i < s.size() && is_digit(s[i]) && len < 5; ++i, ++len) v = v * 10 + (s[i] - '0');
    n.push_back(v);
  }
  if (n.size() < 3 || n.size() > 6 || n[0] < 1000) return std::nullopt;
  n.resize(6, 0);
  if (pm && n[3] < 12) n[3] += 12;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d+09:00", n[0], n[1], n[2], n[3],
                n[4], n[5]);
  return std::string(buf);
}

}  // namespace

std::optional<std::string> englishize_date(std::string_view text) {
  const std::string s = to_ascii_digits(text);
  if (s.find("년") != std::string::npos || s.find("오전") != std::string::npos ||
      s.find("오후") != std::string::npos) {
    return korean(s);
  }
  // ISO-shaped ("2004-július-13") takes a month number, the rest a name.
  const bool iso = s.size() > 5 && is_digit(s[0]) && is_digit(s[1]) && is_digit(s[2]) &&
                   is_digit(s[3]) && s[4] == '-';
  std::string out;
  out.reserve(s.size());
  bool changed = s != text;
  bool first_word = true;
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (!(is_ascii_alpha(s[i]) || c >= 0x80 || s[i] == '_')) {
      out.push_back(s[i++]);
      continue;
    }
    size_t end = i;
    while (end < s.size() && (is_ascii_alpha(s[end]) ||
                              static_cast<unsigned char>(s[end]) >= 0x80 || s[end] == '_')) {
      ++end;
    }
    std::string word(s, i, end - i);
    for (char& ch : word) {
      if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
    }
    const std::string_view raw(s.data() + i, end - i);
    const Word* hit = nullptr;
    for (const Word& w : kWords) {
      if (w.text == word || w.text == raw) hit = &w;
    }
    const bool was_first = first_word;
    first_word = false;
    i = end;
    if (hit == nullptr) {
      if (static_cast<unsigned char>(raw[0]) >= 0x80) return std::nullopt;  // unknown script word
      out.append(raw);  // English, a zone, 'T'...
      continue;
    }
    changed = true;
    if (hit->month == 0) {
      if (!was_first) return std::nullopt;  // a weekday only leads
      continue;
    }
    if (iso) {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%02d", hit->month);
      out += buf;
    } else {
      out += kEnglishMonths[static_cast<size_t>(hit->month - 1)];
    }
  }
  if (!changed) return std::nullopt;
  return out;
}

}  // namespace nw
