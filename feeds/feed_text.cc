#include "feeds/feed_text.h"

#include <algorithm>
#include <array>
#include <cstdint>

#include "feeds/charset.h"
#include "feeds/html_entities.h"
#include "feeds/text.h"
#include "feeds/url.h"
#include "feeds/xml_scope.h"

namespace nw {
namespace {

constexpr int kMaxDepth = 200;

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string_view local_name(std::string_view qname) {
  const size_t colon = qname.find(':');
  return colon == std::string_view::npos ? qname : qname.substr(colon + 1);
}

bool is_void_element(std::string_view n) {
  static constexpr std::array<std::string_view, 14> kVoid = {
      "area",  "base", "br",   "col",   "embed",  "hr",    "img",
      "input", "link", "meta", "param", "source", "track", "wbr"};
  for (std::string_view v : kVoid) {
    if (v == n) return true;
  }
  return false;
}

// Tags that separate words when dropped.
bool is_block_tag(std::string_view tag) {
  static constexpr std::array<std::string_view, 16> kBlock = {"br", "p",  "div", "li", "ul", "ol",
                                                              "tr", "td", "th",  "h1", "h2", "h3",
                                                              "h4", "h5", "h6",  "hr"};
  for (std::string_view b : kBlock) {
    if (b.size() == tag.size()) {
      bool same = true;
      for (size_t i = 0; i < b.size() && same; ++i) same = lower(tag[i]) == b[i];
      if (same) return true;
    }
  }
  return false;
}

void escape_into(std::string& out, std::string_view s, bool attribute) {
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        if (attribute) {
          out += "&quot;";
          break;
        }
        [[fallthrough]];
      default:
        out.push_back(c);
    }
  }
}

void text_only(pugi::xml_node node, std::string& out) {
  for (pugi::xml_node n = node.first_child(); n;) {
    if (n.type() == pugi::node_pcdata || n.type() == pugi::node_cdata)
      escape_into(out, n.value(), false);
    // Iterative pre-order walk: no recursion on hostile depth.
    if (n.first_child()) {
      n = n.first_child();
      continue;
    }
    while (n && !n.next_sibling() && n != node) n = n.parent();
    if (!n || n == node) break;
    n = n.next_sibling();
  }
}

bool is_url_attribute(std::string_view name);
std::string resolved_attribute(std::string_view raw, std::string_view base, bool srcset);

// The base inside an element: its own xml:base resolved against `base`.
std::string_view own_base(pugi::xml_node node, std::string_view base, std::string& storage) {
  const pugi::xml_attribute xb = node.attribute("xml:base");
  if (!xb) return base;
  storage = resolve_url(base, xb.value());
  return storage.empty() ? base : std::string_view(storage);
}

// `base` is the base in effect inside `node` (may be empty: links stay as written).
void serialize(pugi::xml_node node, std::string& out, int depth, std::string_view base) {
  for (pugi::xml_node c = node.first_child(); c; c = c.next_sibling()) {
    switch (c.type()) {
      case pugi::node_pcdata:
      case pugi::node_cdata:
        escape_into(out, c.value(), false);
        break;
      case pugi::node_element: {
        if (depth >= kMaxDepth) {
          text_only(c, out);
          break;
        }
        const std::string_view name = local_name(c.name());
        std::string storage;
        const std::string_view inner = own_base(c, base, storage);
        out.push_back('<');
        out.append(name);
        for (pugi::xml_attribute a = c.first_attribute(); a; a = a.next_attribute()) {
          const std::string_view an = a.name();
          // xml:base has done its work once the links under it are resolved.
          if (an == "xmlns" || an.starts_with("xmlns:") || an == "xml:base") continue;
          const std::string_view local = an.starts_with("xml:") ? an : local_name(an);
          out.push_back(' ');
          out.append(local);
          out += "=\"";
          std::string resolved;
          if (!inner.empty() && is_url_attribute(local)) {
            std::string raw;
            escape_into(raw, a.value(), true);
            resolved = resolved_attribute(raw, inner, local == "srcset");
          }
          if (resolved.empty()) {
            escape_into(out, a.value(), true);
          } else {
            out += resolved;
          }
          out.push_back('"');
        }
        out.push_back('>');
        if (is_void_element(name) && !c.first_child()) break;
        serialize(c, out, depth + 1, inner);
        out += "</";
        out.append(name);
        out.push_back('>');
        break;
      }
      default:  // comments, processing instructions
        break;
    }
  }
}

bool is_url_attribute(std::string_view name) {
  static constexpr std::array<std::string_view, 12> kUrlAttributes = {
      "href",   "src",    "cite",     "action", "background", "longdesc",
      "poster", "usemap", "codebase", "data",   "formaction", "srcset"};
  for (std::string_view a : kUrlAttributes) {
    if (a.size() != name.size()) continue;
    bool same = true;
    for (size_t i = 0; i < a.size() && same; ++i) same = lower(name[i]) == a[i];
    if (same) return true;
  }
  return false;
}

}  // namespace

bool has_url_scheme(std::string_view v) {
  if (v.empty() || !is_alpha(v[0])) return false;
  for (size_t i = 1; i < v.size(); ++i) {
    const char c = v[i];
    if (c == ':') return true;
    if (!(is_alpha(c) || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.')) return false;
  }
  return false;
}

namespace {

// The resolved, re-escaped attribute value, or "" to keep the original.
std::string resolved_attribute(std::string_view raw, std::string_view base, bool srcset) {
  const std::string value = decode_html_entities(raw);
  std::string_view v = value;
  v = trim(v);
  if (v.empty() || has_url_scheme(v)) return {};
  // srcset: "a.jpg 1x, b.jpg 2x" resolves only its first URL; rare enough.
  std::string_view url = v;
  std::string_view rest;
  if (srcset) {
    const size_t end = v.find_first_of(" \t\r\n,");
    if (end != std::string_view::npos) {
      url = v.substr(0, end);
      rest = v.substr(end);
    }
  }
  std::string abs = resolve_url(base, url);
  if (abs.empty()) return {};
  abs.append(rest);
  std::string out;
  escape_into(out, abs, /*attribute=*/true);
  return out;
}

// How an element a reader does not see is dropped.
enum class Hidden {
  kNo,
  kWithContent,  // script, style, noscript, frameset...: the element and all it holds
  kVoid,         // meta, link, frame: a tag with no content
  kTagOnly,      // object, iframe, embed, applet, param: the tags go, the text inside
                 // (their fallback for readers without the plug-in) stays
};

// Called for every tag of every summary: most names are rejected by length
// and first letter before any comparison.
Hidden hidden_kind(std::string_view name) {
  if (name.size() < 4 || name.size() > 8) return Hidden::kNo;
  switch (lower_ascii(name[0])) {
    case 'm':
      return iequals(name, "meta") ? Hidden::kVoid : Hidden::kNo;
    case 'l':
      return iequals(name, "link") ? Hidden::kVoid : Hidden::kNo;
    case 'e':
      return iequals(name, "embed") ? Hidden::kTagOnly : Hidden::kNo;
    case 'f':
      if (iequals(name, "frame")) return Hidden::kVoid;
      return iequals(name, "frameset") ? Hidden::kWithContent : Hidden::kNo;
    case 's':
      return iequals(name, "script") || iequals(name, "style") ? Hidden::kWithContent : Hidden::kNo;
    case 'a':
      return iequals(name, "applet") ? Hidden::kTagOnly : Hidden::kNo;
    case 'o':
      return iequals(name, "object") ? Hidden::kTagOnly : Hidden::kNo;
    case 'i':
      return iequals(name, "iframe") ? Hidden::kTagOnly : Hidden::kNo;
    case 'p':
      return iequals(name, "param") ? Hidden::kTagOnly : Hidden::kNo;
    case 'n':
      return iequals(name, "noscript") || iequals(name, "noembed") || iequals(name, "noframes")
                 ? Hidden::kWithContent
                 : Hidden::kNo;
    default:
      return Hidden::kNo;
  }
}

// Case-insensitive search for "</name" followed by a non-name character.
size_t find_end_tag(std::string_view text, std::string_view name, size_t from) {
  for (size_t at = text.find("</", from); at != std::string_view::npos;
       at = text.find("</", at + 2)) {
    const size_t after = at + 2 + name.size();
    if (after <= text.size() && iequals(text.substr(at + 2, name.size()), name) &&
        (after == text.size() || !is_alpha(text[after])))
      return at;
  }
  return std::string_view::npos;
}

// Whether the '<' at `lt` opens a comment, a CDATA marker or a tag that goes.
bool starts_hidden(std::string_view in, size_t lt) {
  if (in.substr(lt, 4) == "<!--" || in.substr(lt, 9) == "<![CDATA[") return true;
  size_t name_end = lt + 1;
  // An end tag goes only for the elements whose tags alone go (a hidden
  // element's end tag goes with its start tag).
  const bool closing = name_end < in.size() && in[name_end] == '/';
  if (closing) ++name_end;
  const size_t name_start = name_end;
  while (name_end < in.size() &&
         (is_alpha(in[name_end]) || (in[name_end] >= '0' && in[name_end] <= '9')))
    ++name_end;
  if (name_end == name_start) return false;
  const Hidden kind = hidden_kind(in.substr(name_start, name_end - name_start));
  return closing ? kind == Hidden::kTagOnly : kind != Hidden::kNo;
}

}  // namespace

std::string drop_hidden_html(std::string html) {
  // Most HTML has nothing hidden: one scan, and it is returned without a copy.
  size_t lt = html.find('<');
  while (lt != std::string::npos && !starts_hidden(html, lt)) lt = html.find('<', lt + 1);
  if (lt == std::string::npos) return html;
  if (html.find("<![CDATA[") != std::string::npos) {
    // A CDATA wrapper inside HTML ("<![CDATA[<script>..]]>"): its content is markup.
    for (const std::string_view marker : {std::string_view("<![CDATA["), std::string_view("]]>")}) {
      for (size_t at = html.find(marker); at != std::string::npos; at = html.find(marker, at))
        html.erase(at, marker.size());
    }
  }
  lt = html.find('<');
  const std::string_view in = html;
  std::string out;
  out.reserve(html.size());
  size_t i = 0;
  for (; lt != std::string_view::npos; lt = in.find('<', i)) {
    out.append(in.substr(i, lt - i));
    const std::string_view at = in.substr(lt);
    if (at.starts_with("<!--")) {  // comments are never text; unclosed ones run to the end
      const size_t end = in.find("-->", lt + 4);
      i = end == std::string_view::npos ? in.size() : end + 3;
      continue;
    }
    const bool closing = at.size() > 1 && at[1] == '/';
    size_t name_end = lt + 1 + (closing ? 1 : 0);
    const size_t name_start = name_end;
    while (name_end < in.size() &&
           (is_alpha(in[name_end]) || (in[name_end] >= '0' && in[name_end] <= '9')))
      ++name_end;
    const std::string_view name = in.substr(name_start, name_end - name_start);
    const Hidden kind = name.empty() ? Hidden::kNo : hidden_kind(name);
    if (kind == Hidden::kNo) {
      out.push_back('<');
      i = lt + 1;
      continue;
    }
    const size_t gt = in.find('>', name_end);
    const size_t tag_end = gt == std::string_view::npos ? in.size() : gt + 1;
    if (closing || kind != Hidden::kWithContent ||
        (gt != std::string_view::npos && gt > 0 && in[gt - 1] == '/')) {
      i = tag_end;  // the tag alone
      continue;
    }
    // The element with its content; one never closed hides the rest, as in a browser.
    const size_t end = find_end_tag(in, name, tag_end);
    if (end == std::string_view::npos) {
      i = in.size();
    } else {
      const size_t close_gt = in.find('>', end);
      i = close_gt == std::string_view::npos ? in.size() : close_gt + 1;
    }
  }
  out.append(in.substr(std::min(i, in.size())));
  return out;
}

std::string resolve_html_urls(std::string html, std::string_view base) {
  if (base.empty() || html.find('=') == std::string::npos) return html;
  std::string out;
  size_t copied = 0;  // html[copied..] is not in `out` yet
  size_t i = 0;
  const size_t n = html.size();
  while ((i = html.find('<', i)) != std::string::npos) {
    if (html.compare(i, 4, "<!--") == 0) {
      const size_t end = html.find("-->", i + 4);
      if (end == std::string::npos) break;
      i = end + 3;
      continue;
    }
    ++i;
    if (i >= n || !is_alpha(html[i])) continue;
    while (i < n && !is_space(html[i]) && html[i] != '>' && html[i] != '/') ++i;  // tag name
    // Attributes up to the '>'.
    while (i < n && html[i] != '>') {
      if (is_space(html[i]) || html[i] == '/') {
        ++i;
        continue;
      }
      const size_t name_start = i;
      while (i < n && !is_space(html[i]) && html[i] != '=' && html[i] != '>' && html[i] != '/') ++i;
      const std::string_view name(html.data() + name_start, i - name_start);
      size_t j = i;
      while (j < n && is_space(html[j])) ++j;
      if (j >= n || html[j] != '=') continue;  // attribute without a value
      ++j;
      while (j < n && is_space(html[j])) ++j;
      if (j >= n) break;
      size_t value_start, value_end;
      if (html[j] == '"' || html[j] == '\'') {
        const size_t close = html.find(html[j], j + 1);
        if (close == std::string::npos) {
          i = n;
          break;
        }
        value_start = j + 1;
        value_end = close;
        i = close + 1;
      } else {
        value_start = j;
        while (j < n && !is_space(html[j]) && html[j] != '>') ++j;
        value_end = j;
        i = j;
      }
      if (!is_url_attribute(name)) continue;
      const std::string_view raw(html.data() + value_start, value_end - value_start);
      const bool srcset = name.size() == 6 && lower(name[0]) == 's' && lower(name[3]) == 's';
      std::string resolved = resolved_attribute(raw, base, srcset);
      if (resolved.empty() || resolved == raw) continue;
      if (out.empty()) out.reserve(html.size() + 64);
      out.append(html, copied, value_start - copied);
      if (html[value_start - 1] != '"' && html[value_start - 1] != '\'') {
        out.push_back('"');  // an unquoted value gets quotes: the URL may need them
        out += resolved;
        out.push_back('"');
      } else {
        out += resolved;
      }
      copied = value_end;
    }
  }
  if (copied == 0) return html;
  out.append(html, copied, std::string::npos);
  return out;
}

std::string plain_text(std::string_view raw, bool html) {
  if (!html) return collapse_whitespace(decode_html_entities(raw));
  std::string visible;
  std::string_view text = raw;
  if (text.find('<') != std::string_view::npos) {
    visible = drop_hidden_html(std::string(raw));
    text = visible;
  }
  std::string stripped;
  stripped.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    const size_t lt = text.find('<', i);
    if (lt == std::string_view::npos) {
      stripped.append(text.substr(i));
      break;
    }
    stripped.append(text.substr(i, lt - i));
    const char next = lt + 1 < text.size() ? text[lt + 1] : '\0';
    const size_t gt = text.find('>', lt);
    if (!(is_alpha(next) || next == '/' || next == '!' || next == '?') ||
        gt == std::string_view::npos) {
      stripped.push_back('<');  // "a < b": not a tag
      i = lt + 1;
      continue;
    }
    size_t name_start = lt + 1 + (next == '/' ? 1 : 0);
    size_t name_end = name_start;
    while (name_end < gt &&
           (is_alpha(text[name_end]) || (text[name_end] >= '0' && text[name_end] <= '9'))) {
      ++name_end;
    }
    if (is_block_tag(text.substr(name_start, name_end - name_start))) stripped.push_back(' ');
    i = gt + 1;
  }
  return collapse_whitespace(decode_html_entities(stripped));
}

void serialize_html_children(pugi::xml_node node, std::string& out, std::string_view base) {
  serialize(node, out, 0, base);
}

std::string utf8_prefix(std::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  size_t n = max_bytes;
  while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) --n;
  return std::string(text.substr(0, n));
}

std::string decode_base64(std::string_view text) {
  static constexpr auto kValues = [] {
    std::array<int8_t, 256> t{};
    t.fill(-1);
    for (int i = 0; i < 26; ++i) {
      t['A' + i] = static_cast<int8_t>(i);
      t['a' + i] = static_cast<int8_t>(26 + i);
    }
    for (int i = 0; i < 10; ++i) t['0' + i] = static_cast<int8_t>(52 + i);
    t['+'] = 62;
    t['/'] = 63;
    return t;
  }();
  std::string out;
  out.reserve(text.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    if (is_space(c)) continue;
    const int8_t v = kValues[static_cast<unsigned char>(c)];
    if (v < 0) break;  // '=' padding or garbage
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return out;
}

std::string element_text(pugi::xml_node node, std::string_view base) {
  pugi::xml_node first = node.first_child();
  if (first && !first.next_sibling() &&
      (first.type() == pugi::node_pcdata || first.type() == pugi::node_cdata)) {
    return first.value();
  }
  bool markup = false;
  std::string text;
  for (pugi::xml_node c = first; c; c = c.next_sibling()) {
    if (c.type() == pugi::node_pcdata || c.type() == pugi::node_cdata) text += c.value();
    if (c.type() == pugi::node_element) markup = true;
  }
  if (!markup) return text;
  std::string html;
  serialize_html_children(node, html, base);
  return html;
}

namespace {

// Whether `s` is UTF-8 text: well-formed, without C0 controls other than tab
// and line breaks (what decoded base64 must be to count as text).
bool is_utf8_text(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    const unsigned char c = *p;
    if (c < 0x80) {
      if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') return false;
      ++p;
      continue;
    }
    const size_t n = (c >= 0xC2 && c <= 0xDF)   ? 2
                     : (c >= 0xE0 && c <= 0xEF) ? 3
                     : (c >= 0xF0 && c <= 0xF4) ? 4
                                                : 0;
    if (n == 0 || static_cast<size_t>(end - p) < n) return false;
    for (size_t i = 1; i < n; ++i) {
      if ((p[i] & 0xC0) != 0x80) return false;
    }
    if ((c == 0xE0 && p[1] < 0xA0) || (c == 0xED && p[1] > 0x9F) || (c == 0xF0 && p[1] < 0x90) ||
        (c == 0xF4 && p[1] > 0x8F))
      return false;
    p += n;
  }
  return true;
}

// Whether `text` has the shape of base64 as encoders write it: the alphabet
// only, at most two '=' at the very end, whole 4-character groups, and
// whitespace only between lines of whole groups (line wrapping).
bool looks_like_base64(std::string_view text) {
  size_t total = 0, line = 0, padding = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (is_space(c)) {
      if (line % 4 != 0) return false;
      line = 0;
      continue;
    }
    const bool alphabet = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                          (c >= '0' && c <= '9') || c == '+' || c == '/';
    if (c == '=') {
      ++padding;
    } else if (!alphabet || padding > 0) {
      return false;
    }
    ++line;
    ++total;
  }
  return total >= 8 && total % 4 == 0 && padding <= 2;
}

// A MIME type (not Atom's "text", "html", "xhtml") whose content RFC 4287
// 4.1.3.3 says is base64: neither text/* nor an XML type.
bool base64_media_type(std::string_view type) {
  if (type.find('/') == std::string_view::npos) return false;
  const std::string t = lower_ascii(type.substr(0, type.find(';')));
  return !t.starts_with("text/") && !t.ends_with("+xml") && !t.ends_with("/xml");
}

}  // namespace

std::string atom_text(pugi::xml_node node, const Scope& scope, bool& is_html) {
  std::string_view type = node.attribute("type").value();
  const std::string_view mode = node.attribute("mode").value();
  is_html = false;
  if (node.attribute("src")) return {};  // out-of-line content: nothing to show
  const bool xhtml = type == "xhtml" || type == "application/xhtml+xml" || mode == "xml";
  if (xhtml) {
    is_html = true;
    // Atom 0.3's inline XML is the content itself, its <div> included, as feed
    // readers show it.
    if (name_of(node, scope).ns == Ns::kAtom03) {
      std::string html;
      serialize_html_children(node, html, scope.base);
      return std::string(trim(html));
    }
    // Atom 1.0's is one div (xhtml:div by the spec; an unprefixed one that
    // forgot the namespace counts too) whose children are the text. Anything
    // beside it (a second div, text) means there is no wrapper to drop.
    pugi::xml_node div;
    std::string div_base;  // the base inside the div, its own xml:base applied
    bool alone = true;
    for (pugi::xml_node c = node.first_child(); c; c = c.next_sibling()) {
      if (c.type() == pugi::node_element) {
        alone = alone && !div;
        if (!div) div = c;
      } else if ((c.type() == pugi::node_pcdata || c.type() == pugi::node_cdata) &&
                 !trim(c.value()).empty()) {
        alone = false;
      }
    }
    if (div && (!alone || local_name(div.name()) != "div")) div = {};
    if (div) {
      for_each_child(node, scope, [&](pugi::xml_node c, const Name&, const Scope& s) {
        if (c == div) div_base = s.base;
      });
    }
    std::string html;
    serialize_html_children(div ? div : node, html, div ? std::string_view(div_base) : scope.base);
    return std::string(trim(html));
  }
  std::string text = element_text(node);
  if (mode == "base64") {
    text = decode_to_utf8(decode_base64(text), {}, DocType::kText).text;
  } else if (mode.empty() && base64_media_type(type)) {
    // Base64 by the spec; kept as written when it decodes to no text (an image).
    if (std::string decoded = decode_base64(text); is_utf8_text(decoded)) text = std::move(decoded);
  } else if (mode.empty() && type.starts_with("text/") && type != "text/html" &&
             looks_like_base64(trim(text))) {
    // A text/plain that some producers base64-encode anyway: decoded only when
    // the result is text, which ordinary words never are.
    if (std::string decoded = decode_base64(text); !decoded.empty() && is_utf8_text(decoded))
      text = std::move(decoded);
  }
  is_html = type == "html" || type.ends_with("/html") || mode == "escaped";
  return std::string(trim(text));
}

std::string rss_author(std::string_view raw) {
  std::string s = collapse_whitespace(decode_html_entities(raw));
  const size_t open = s.find('(');
  const size_t close = s.rfind(')');
  if (open != std::string::npos && close != std::string::npos && close > open) {
    std::string email = collapse_whitespace(s.substr(0, open));
    std::string name = collapse_whitespace(s.substr(open + 1, close - open - 1));
    if (email.find('@') != std::string::npos && !name.empty()) return name + " (" + email + ")";
    return s;
  }
  const size_t lt = s.find('<');
  const size_t gt = s.rfind('>');
  if (lt != std::string::npos && gt != std::string::npos && gt > lt) {
    std::string name = collapse_whitespace(s.substr(0, lt));
    std::string email = collapse_whitespace(s.substr(lt + 1, gt - lt - 1));
    if (name.empty()) return email;
    if (email.empty()) return name;
    return name + " (" + email + ")";
  }
  return s;
}

}  // namespace nw
