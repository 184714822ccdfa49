#include "filters/extract_date.h"

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "feeds/date.h"
#include "feeds/text.h"

namespace nw::extract_detail {
namespace {

using html::Node;
using html::Tag;

bool digit_at(std::string_view s, std::size_t i) {
  return i < s.size() && s[i] >= '0' && s[i] <= '9';
}

// dd.mm.yyyy, dd/mm/yyyy, mm/dd/yyyy (when a part is over 12) → yyyy-mm-dd,
// with a following hh:mm kept.
std::optional<std::string> numeric_date(std::string_view s) {
  for (std::size_t i = 0; i + 8 <= s.size(); ++i) {
    if (!digit_at(s, i) || (i > 0 && digit_at(s, i - 1))) continue;
    std::size_t j = i;
    int a = 0, b = 0, y = 0, n = 0;
    for (n = 0; digit_at(s, j) && n < 3; ++j, ++n) a = a * 10 + (s[j] - '0');
    if (n == 0 || n > 2 || j >= s.size() || (s[j] != '.' && s[j] != '/')) continue;
    const char sep = s[j++];
    for (n = 0; digit_at(s, j) && n < 3; ++j, ++n) b = b * 10 + (s[j] - '0');
    if (n == 0 || n > 2 || j >= s.size() || s[j] != sep) continue;
    ++j;
    for (n = 0; digit_at(s, j) && n < 5; ++j, ++n) y = y * 10 + (s[j] - '0');
    if (n != 4) continue;
    int day = a, month = b;
    if (sep == '/') {
      if (a > 12 && b <= 12) {
        day = a, month = b;
      } else if (b > 12 && a <= 12) {
        day = b, month = a;
      } else {
        continue;
      }
    }
    char buf[40];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, month, day);
    std::string out = buf;
    while (j < s.size() && (s[j] == ' ' || s[j] == ',' || s[j] == '-' || s[j] == '|')) ++j;
    if (digit_at(s, j) && j + 4 < s.size() + 1) {
      std::size_t k = j;
      while (digit_at(s, k)) ++k;
      if (k - j <= 2 && k < s.size() && s[k] == ':' && digit_at(s, k + 1) && digit_at(s, k + 2)) {
        out += ' ';
        out += s.substr(j, k + 3 - j);
      }
    }
    return out;
  }
  return std::nullopt;
}

bool has_year(std::string_view s) {
  int run = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= '0' && c <= '9') {
      ++run;
    } else if ((c == 0xD9 || c == 0xDB) && i + 1 < s.size()) {  // Arabic-Indic, Persian digits
      const auto d = static_cast<unsigned char>(s[i + 1]);
      if ((c == 0xD9 && d >= 0xA0 && d <= 0xA9) || (c == 0xDB && d >= 0xB0 && d <= 0xB9)) {
        ++run;
        ++i;
      } else {
        run = 0;
      }
    } else {
      run = 0;
    }
    if (run == 4) return true;
  }
  return false;
}

bool mentions_update(std::string_view line) {
  if (line.empty() || line.size() > 120) return false;
  const std::string lower = lower_ascii(line);
  static constexpr std::string_view kWords[] = {"updated",    "modified",    "aktualisiert",
                                                "mis à jour", "actualizado", "güncellen",
                                                "обновлено",  "تحديث",       "محدث"};
  return std::ranges::any_of(
      kWords, [&](std::string_view w) { return lower.find(w) != std::string::npos; });
}

}  // namespace

std::optional<std::chrono::sys_seconds> date_in_text(std::string_view line) {
  if (line.size() > 120 || !has_year(line)) return std::nullopt;
  if (const auto numeric = numeric_date(line)) {
    if (auto t = parse_date(*numeric)) return t;
  }
  // Word windows, longest first from each start: "Published 25 August 2018,
  // 10:02" is read as "25 August 2018, 10:02". Dashes between date and time
  // go; "10:42 م" / "10:42 PM" become "22:42".
  std::vector<std::string> tokens;
  for (std::size_t i = 0; i < line.size();) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '|' || line[i] == '\n')) ++i;
    std::size_t j = i;
    while (j < line.size() && line[j] != ' ' && line[j] != '|' && line[j] != '\n') ++j;
    const std::string_view tok = line.substr(i, j - i);
    i = j;
    if (tok.empty() || tok == "-" || tok == "\u2013" || tok == "\u2014" || tok == "\u2022")
      continue;
    const bool pm = tok == "PM" || tok == "pm" || tok == "p.m." || tok == "\u0645" ||
                    tok == "\u0645\u0633\u0627\u0621";  // م، مساء
    const bool am = tok == "AM" || tok == "am" || tok == "a.m." || tok == "\u0635" ||
                    tok == "\u0635\u0628\u0627\u062d\u0627";  // ص، صباحا
    if ((pm || am) && !tokens.empty()) {
      std::string& t = tokens.back();
      const std::size_t colon = t.find(':');
      if (colon != std::string::npos && colon > 0 && colon <= 2 && digit_at(t, 0) &&
          digit_at(t, colon - 1)) {
        int hour = std::stoi(t.substr(0, colon));
        if (pm && hour < 12) hour += 12;
        if (am && hour == 12) hour = 0;
        t = std::to_string(hour) + t.substr(colon);
        continue;
      }
    }
    tokens.emplace_back(tok);
  }
  if (tokens.size() > 16) return std::nullopt;
  for (std::size_t start = 0; start < tokens.size(); ++start) {
    for (std::size_t len = std::min<std::size_t>(7, tokens.size() - start); len >= 2; --len) {
      std::string window = tokens[start];
      for (std::size_t k = 1; k < len; ++k) (window += ' ') += tokens[start + k];
      while (!window.empty() && (window.back() == ',' || window.back() == '.')) window.pop_back();
      if (!has_year(window)) continue;
      if (auto t = parse_date(window)) return t;
    }
  }
  return std::nullopt;
}

std::optional<std::chrono::sys_seconds> time_element_date(Node scope, bool marked_only) {
  if (!scope) return std::nullopt;
  std::optional<std::chrono::sys_seconds> first;
  const Node stop = scope.after();
  for (Node n = scope; n && n != stop; n = n.following()) {
    // <time datetime>, and the hAtom <abbr class="published" title="ISO date">
    // of Blogger and older WordPress themes.
    const bool abbr = n.tag() == Tag::kAbbr && n.has_attr("title") &&
                      lower_ascii(n.attr("class")).find("published") != std::string::npos;
    // Microdata puts the machine date of a <time> in `content` on some sites.
    const char* key = abbr                     ? "title"
                      : n.tag() != Tag::kTime  ? nullptr
                      : n.has_attr("datetime") ? "datetime"
                      : n.has_attr("content") && lower_ascii(n.attr("itemprop")) == "datepublished"
                          ? "content"
                          : nullptr;
    if (!key) continue;
    const auto t = parse_date(n.attr(key));
    const bool marked = n.has_attr("pubdate") ||
                        lower_ascii(n.attr("itemprop")) == "datepublished" ||
                        lower_ascii(n.attr("class")).find("publish") != std::string::npos;
    if (t && marked) return t;
    if (t && !first && !marked_only) first = t;
  }
  return first;
}

namespace {

// Where a date line may be: from the headline's box (or the body's start) to
// the body's second long paragraph.
struct ScanRange {
  std::uint32_t begin, stop;
};

ScanRange date_scan_range(const Page& page, std::span<const Node> roots,
                          std::span<const Block* const> kept) {
  ScanRange r{roots.front().id(), roots.back().end()};
  int long_seen = 0;
  for (const Block* b : kept) {
    if (b->chars >= 100 && ++long_seen == 2) {
      r.stop = b->first_text;
      break;
    }
  }
  // The headline marks where the story starts: from its box (a date may sit
  // above it), not from a box of links gathered before it.
  for (const std::uint32_t h : page.h1_nodes()) {
    if (h < r.stop && !hidden(page.node(h))) {
      const Node box = page.node(h).parent();
      r.begin = box && box.tag() != Tag::kBody ? box.id() : h;
      break;
    }
  }
  return r;
}

// Lines are the texts between block boundaries: "<span>25</span>
// <span>August</span> 2018" is one line. Each line ended is read for a date.
class DateLines {
 public:
  void add(std::string_view piece) {
    pieces_.push_back(piece);
    line_.append(piece);
  }
  void end_line();
  const std::optional<std::chrono::sys_seconds>& found() const { return found_; }

 private:
  std::string line_, previous_;  // the line before may label this one
  std::vector<std::string_view> pieces_;
  std::optional<std::chrono::sys_seconds> found_;
};

void DateLines::end_line() {
  if (pieces_.empty()) return;
  line_ = collapse_whitespace(line_);
  // "Last Updated: January 7, 2025" is not when the story came out, nor is a
  // date after a label line ("<p>Updated:</p><p>January 7</p>").
  const bool label = std::ranges::none_of(previous_, [](char c) { return c >= '0' && c <= '9'; });
  if (!mentions_update(line_) && !(label && mentions_update(previous_))) {
    found_ = date_in_text(line_);
    // A line too long to be a date line may still hold one in a short piece.
    for (std::size_t k = 0; !found_ && line_.size() > 120 && k < pieces_.size(); ++k) {
      if (!mentions_update(pieces_[k])) found_ = date_in_text(pieces_[k]);
    }
  }
  previous_ = line_.size() <= 120 ? std::move(line_) : std::string();
  line_.clear();
  pieces_.clear();
}

Node block_of(const Node& t) {
  Node b = t.parent();
  while (b && !is_block(b.tag())) b = b.parent();
  return b;
}

}  // namespace

std::optional<std::chrono::sys_seconds> visible_date(const Page& page, std::span<const Node> roots,
                                                     std::span<const Block* const> kept) {
  if (roots.empty()) return std::nullopt;
  const ScanRange range = date_scan_range(page, roots, kept);
  // A link ends a line and is skipped.
  DateLines lines;
  int scanned = 0;
  Node owner;  // the line's nearest block element
  for (std::uint32_t i = range.begin; i < range.stop && scanned < 80 && !lines.found();) {
    const Node nd = page.node(i);
    const Tag tag = nd.tag();
    if (tag == Tag::kScript || tag == Tag::kStyle || tag == Tag::kTemplate ||
        tag == Tag::kNoscript || tag == Tag::kA || (nd.is_element() && hidden(nd))) {
      lines.end_line();
      i = nd.end();
      continue;
    }
    if (tag == Tag::kBr || is_block(tag)) lines.end_line();
    if (tag == Tag::kText) {
      const Node b = block_of(nd);
      if (b != owner) lines.end_line();
      owner = b;
      const std::string_view t = nd.text();
      if (!t.empty()) {
        ++scanned;
        lines.add(t);
      }
    }
    ++i;
  }
  if (!lines.found()) lines.end_line();
  return lines.found();
}

std::optional<std::chrono::sys_seconds> body_date(const Page& page, std::span<const Node> roots,
                                                  std::span<const Block* const> kept) {
  for (const Node& r : roots) {
    if (auto t = time_element_date(r)) return t;
  }
  // Outside the body only a marked time, or the page's only one, is trusted.
  if (auto t = time_element_date(page.doc().root(), /*marked_only=*/true)) return t;
  const std::vector<Node> times = page.doc().all(Tag::kTime);
  if (times.size() == 1) {
    if (auto t = time_element_date(times.front())) return t;
  }
  return visible_date(page, roots, kept);
}
}  // namespace nw::extract_detail
