#include "feeds/xml_repair.h"

#include <algorithm>
#include <array>
#include <string_view>

#include "feeds/html_entities.h"
#include "feeds/text.h"

namespace nw {
namespace {

// A '<' that can start markup: a name (ASCII letter, '_', ':', or any non-ASCII
// letter), an end tag, a comment/CDATA/DOCTYPE, or a processing instruction.
bool starts_markup(char next) {
  const auto c = static_cast<unsigned char>(next);
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' || c == '/' ||
         c == '!' || c == '?' || c >= 0x80;
}

bool is_xml_entity(std::string_view name) {
  return name == "amp" || name == "lt" || name == "gt" || name == "quot" || name == "apos";
}

// Characters XML 1.0 forbids even as references (pugixml would store them raw).
bool xml_forbidden(char32_t cp) {
  return (cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') || cp == 0xFFFE || cp == 0xFFFF;
}

std::string hex_ref(char32_t cp) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string s = "&#x";
  bool started = false;
  for (int shift = 20; shift >= 0; shift -= 4) {
    const unsigned nibble = (cp >> shift) & 0xF;
    if (nibble != 0 || started || shift == 0) {
      s.push_back(kHex[nibble]);
      started = true;
    }
  }
  s.push_back(';');
  return s;
}

// Where the document proper starts: the XML declaration if there is one near
// the top, else the first '<' that starts markup.
size_t document_start(std::string_view s) {
  const size_t decl = s.substr(0, 1024).find("<?xml");
  if (decl != std::string_view::npos) return decl;
  for (size_t i = s.find('<'); i != std::string_view::npos; i = s.find('<', i + 1)) {
    if (i + 1 < s.size() && starts_markup(s[i + 1])) return i;
  }
  return s.find_first_not_of(" \t\r\n");
}

// Writes the repaired text; allocates only once the first edit happens.
class Writer {
 public:
  Writer(const std::string& in, size_t start, RepairedXml& out,
         std::vector<std::pair<size_t, size_t>>& anchors)
      : in_(in), out_(out), anchors_(anchors), copied_(start), start_(start) {}

  // Replaces in_[from, from + length) by `with`.
  void edit(size_t from, size_t length, std::string_view with) {
    if (!editing_) {
      editing_ = true;
      out_.text.reserve(in_.size() - start_ + 256);
    }
    out_.text.append(in_, copied_, from - copied_);
    out_.text.append(with);
    copied_ = from + length;
    anchors_.emplace_back(out_.text.size(), copied_);
  }

  void finish(std::string&& input) {
    if (!editing_) {
      if (start_ > 0) input.erase(0, start_);
      out_.text = std::move(input);
      return;
    }
    out_.text.append(in_, copied_, std::string::npos);
  }

 private:
  const std::string& in_;
  RepairedXml& out_;
  std::vector<std::pair<size_t, size_t>>& anchors_;
  size_t copied_;
  size_t start_;
  bool editing_ = false;
};

struct Counts {
  size_t html_entities = 0;
  size_t bad_numeric = 0;
  size_t unknown_entities = 0;
  size_t bare_ampersands = 0;
  size_t bare_lt = 0;
  size_t declared_entities = 0;
  std::string first_unknown;
  // The first repair of something strict XML rejects: where, and what.
  size_t error_at = std::string::npos;
  std::string_view error_what;
  void ill_formed(size_t at, std::string_view what) {
    if (error_at == std::string::npos) {
      error_at = at;
      error_what = what;
    }
  }
  // <!ENTITY name "value"> from the internal DTD subset, escaped for content.
  std::vector<std::pair<std::string, std::string>> declared;
};

// General entities declared in an internal DTD subset before the root
// element. XML parsers without DTD support leave them undefined. Replacement
// text is inserted once, never re-expanded (no "billion laughs"), and capped.
void read_internal_entities(std::string_view in, size_t start, Counts& n) {
  constexpr size_t kMaxEntities = 64;
  constexpr size_t kMaxValue = 1024;
  const size_t doctype = in.substr(start, 4096).find("<!DOCTYPE");
  if (doctype == std::string_view::npos) return;
  const size_t open = in.find('[', start + doctype);
  const size_t gt = in.find('>', start + doctype);
  if (open == std::string_view::npos || (gt != std::string_view::npos && gt < open)) return;
  const size_t close = in.find("]>", open);
  if (close == std::string_view::npos) return;
  const std::string_view subset = in.substr(open + 1, close - open - 1);
  for (size_t p = subset.find("<!ENTITY");
       p != std::string_view::npos && n.declared.size() < kMaxEntities;
       p = subset.find("<!ENTITY", p + 8)) {
    size_t i = p + 8;
    auto skip_ws = [&] {
      while (i < subset.size() &&
             std::string_view(" \t\r\n").find(subset[i]) != std::string_view::npos)
        ++i;
    };
    skip_ws();
    if (i >= subset.size() || subset[i] == '%') continue;  // parameter entity
    const size_t name_start = i;
    while (i < subset.size() &&
           std::string_view(" \t\r\n\"'>").find(subset[i]) == std::string_view::npos)
      ++i;
    const std::string_view name = subset.substr(name_start, i - name_start);
    skip_ws();
    if (name.empty() || i >= subset.size() || (subset[i] != '"' && subset[i] != '\''))
      continue;  // SYSTEM/PUBLIC
    const size_t value_end = subset.find(subset[i], i + 1);
    if (value_end == std::string_view::npos || value_end - i - 1 > kMaxValue) continue;
    std::string value;
    for (char c : subset.substr(i + 1, value_end - i - 1)) {
      if (c == '<')
        value += "&lt;";
      else
        value.push_back(c);
    }
    n.declared.emplace_back(std::string(name), std::move(value));
  }
}

// Handles the '&' at `i`; returns where scanning continues.
size_t repair_ampersand(const std::string& in, size_t i, Writer& w, Counts& n) {
  const std::string_view rest = std::string_view(in).substr(i, 40);
  if (rest.size() > 1 && rest[1] == '#') {
    const CharRef ref = parse_char_ref(rest);
    if (ref.length == 0) {
      n.ill_formed(i, "unescaped '&'");
      ++n.bare_ampersands;
      w.edit(i, 1, "&amp;");
      return i + 1;
    }
    // parse_char_ref maps C1, NUL, surrogates and overflow; re-emit the
    // reference only when that changed its meaning.
    const std::string_view raw = rest.substr(0, ref.length);
    const bool hex = raw[2] == 'x' || raw[2] == 'X';
    uint32_t raw_value = 0;
    for (size_t k = hex ? 3 : 2; k + 1 < raw.size() && raw_value <= 0x10FFFF; ++k) {
      const char c = raw[k];
      const uint32_t d = (c >= '0' && c <= '9') ? static_cast<uint32_t>(c - '0')
                                                : static_cast<uint32_t>((c | 0x20) - 'a' + 10);
      raw_value = raw_value * (hex ? 16 : 10) + d;
    }
    const char32_t cp = xml_forbidden(ref.code_point) ? 0xFFFD : ref.code_point;
    if (raw_value != cp) {
      n.ill_formed(i, "reference to an invalid character");
      ++n.bad_numeric;
      w.edit(i, ref.length, hex_ref(cp));
    }
    return i + ref.length;
  }
  size_t k = 1;
  while (k < rest.size() &&
         ((rest[k] >= 'a' && rest[k] <= 'z') || (rest[k] >= 'A' && rest[k] <= 'Z') ||
          (rest[k] >= '0' && rest[k] <= '9'))) {
    ++k;
  }
  if (k == 1 || k >= rest.size() || rest[k] != ';') {
    n.ill_formed(i, "unescaped '&'");
    ++n.bare_ampersands;  // "AT&T", "a & b": pugixml would keep it, but say so
    w.edit(i, 1, "&amp;");
    return i + 1;
  }
  const std::string_view name = rest.substr(1, k - 1);
  if (is_xml_entity(name)) return i + k + 1;
  for (const auto& [declared, value] : n.declared) {
    if (declared == name) {
      ++n.declared_entities;
      w.edit(i, k + 1, value);
      return i + k + 1;
    }
  }
  if (const char32_t cp = html_named_entity(name); cp != 0) {
    n.ill_formed(i, "undefined entity");
    ++n.html_entities;
    w.edit(i, k + 1, hex_ref(cp));
  } else {
    n.ill_formed(i, "undefined entity");
    if (n.unknown_entities++ == 0) n.first_unknown = std::string(name);
    w.edit(i, 1, "&amp;");  // keep the text as written
  }
  return i + k + 1;
}

// Skips a construct whose content is literal ("<![CDATA[" ... "]]>").
size_t skip_past(const std::string& in, size_t i, std::string_view open, std::string_view close) {
  const size_t end = in.find(close, i + open.size());
  return end == std::string::npos ? in.size() : end + close.size();
}

// Where an XML declaration ("<?xml" at `i`) stops being one: anything but
// version/encoding/standalone pseudo-attributes before "?>". npos when it is fine.
size_t declaration_junk(std::string_view in, size_t i) {
  const auto space = [&](size_t k) {
    return k < in.size() && (in[k] == ' ' || in[k] == '\t' || in[k] == '\r' || in[k] == '\n');
  };
  size_t k = i + 5;
  while (k < in.size()) {
    while (space(k)) ++k;
    if (in.substr(k, 2) == "?>") return std::string_view::npos;
    const size_t name = k;
    while (k < in.size() && in[k] >= 'a' && in[k] <= 'z') ++k;
    const std::string_view n = in.substr(name, k - name);
    if (n != "version" && n != "encoding" && n != "standalone") return name;
    while (space(k)) ++k;
    if (k >= in.size() || in[k] != '=') return k;
    ++k;
    while (space(k)) ++k;
    if (k >= in.size() || (in[k] != '"' && in[k] != '\'')) return k;
    const size_t close = in.find(in[k], k + 1);
    if (close == std::string_view::npos) return k;
    k = close + 1;
  }
  return i;
}

// A '<' inside a quoted attribute value of the start tag at `i` (which XML
// forbids; pugixml reads it anyway): its offset, or npos.
size_t lt_in_attribute(std::string_view in, size_t i) {
  size_t j = i + 1;
  while (j < in.size() && in[j] != '>' && in[j] != '<') ++j;
  if (j >= in.size() || in[j] != '<') return std::string_view::npos;
  const std::string_view tag = in.substr(i, j - i);
  const bool open_quote = std::count(tag.begin(), tag.end(), '"') % 2 == 1 ||
                          std::count(tag.begin(), tag.end(), '\'') % 2 == 1;
  return open_quote ? j : std::string_view::npos;
}

}  // namespace

size_t RepairedXml::input_offset(size_t offset) const {
  auto it = std::upper_bound(anchors_.begin(), anchors_.end(), offset,
                             [](size_t o, const auto& a) { return o < a.first; });
  if (it == anchors_.begin()) return offset;
  --it;
  return it->second + (offset - it->first);
}

RepairedXml repair_xml(std::string input) {
  RepairedXml out;
  size_t start = document_start(input);
  if (start == std::string::npos) start = input.size();
  if (input.find_first_not_of(" \t\r\n") < start) {
    out.warnings.push_back("ignored " + std::to_string(start) +
                           " bytes of garbage before the XML document");
  }
  out.anchors_.emplace_back(0, start);
  Writer w(input, start, out, out.anchors_);
  Counts n;
  if (input.find_first_not_of(" \t\r\n") < start)
    n.ill_formed(0, "garbage before the XML document");
  read_internal_entities(input, start, n);

  // Only '<' and '&' matter; everything else is copied in bulk.
  static constexpr auto kInteresting = [] {
    std::array<bool, 256> t{};
    t['<'] = t['&'] = true;
    return t;
  }();
  const char* data = input.data();
  const size_t size = input.size();
  size_t i = start;
  while (i < size) {
    while (i < size && !kInteresting[static_cast<unsigned char>(data[i])]) ++i;
    if (i >= size) break;
    if (data[i] == '&') {
      i = repair_ampersand(input, i, w, n);
      continue;
    }
    const std::string_view at(data + i, std::min<size_t>(size - i, 9));
    if (at.starts_with("<![CDATA[")) {
      i = skip_past(input, i, "<![CDATA[", "]]>");
    } else if (at.starts_with("<!--")) {
      // XML forbids "--" inside a comment; parsers that follow it reject the feed.
      const size_t end = input.find("-->", i + 4);
      if (const size_t dashes = input.find("--", i + 4);
          dashes < (end == std::string::npos ? size : end))
        n.ill_formed(dashes, "\"--\" inside a comment");
      i = skip_past(input, i, "<!--", "-->");
    } else if (at.starts_with("<?")) {
      if (at.starts_with("<?xml") && at.size() > 5 && is_space(at[5])) {
        if (const size_t junk = declaration_junk(input, i); junk != std::string::npos)
          n.ill_formed(junk, "junk in the XML declaration");
      }
      i = skip_past(input, i, "<?", "?>");
    } else if (i + 1 < size && starts_markup(data[i + 1])) {
      if (data[i + 1] != '/' && data[i + 1] != '!' && n.error_at == std::string::npos) {
        if (const size_t lt = lt_in_attribute(input, i); lt != std::string::npos)
          n.ill_formed(lt, "'<' inside an attribute value");
      }
      ++i;
    } else {
      n.ill_formed(i, "unescaped '<'");
      ++n.bare_lt;
      w.edit(i, 1, "&lt;");
      ++i;
    }
  }
  w.finish(std::move(input));

  auto note = [&](size_t count, std::string what) {
    if (count > 0) out.warnings.push_back(std::to_string(count) + " " + std::move(what));
  };
  note(n.declared_entities, "entities from the internal DTD subset expanded");
  note(n.html_entities, "HTML named entities converted (XML does not define them)");
  note(n.bad_numeric, "numeric character references to invalid characters replaced");
  note(n.unknown_entities, "undefined entities kept as text (first: &" + n.first_unknown + ";)");
  note(n.bare_ampersands, "unescaped '&' in text");
  note(n.bare_lt, "unescaped '<' in text");
  if (n.error_at != std::string::npos) out.ill_formed = {n.error_at, std::string(n.error_what)};
  return out;
}

std::pair<size_t, size_t> line_and_column(std::string_view text, size_t offset) {
  offset = std::min(offset, text.size());
  size_t line = 1;
  size_t line_start = 0;
  for (size_t i = text.find('\n'); i != std::string_view::npos && i < offset;
       i = text.find('\n', i + 1)) {
    ++line;
    line_start = i + 1;
  }
  size_t column = 1;
  for (size_t i = line_start; i < offset; ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) ++column;
  }
  return {line, column};
}

}  // namespace nw
