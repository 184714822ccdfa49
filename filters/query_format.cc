// Parse errors as positioned messages (with the explanation of a query that
// has no positive term), and the AST as an s-expression (filters/query.h).
#include "filters/query_format.h"

#include <algorithm>
#include <utility>

namespace nw {
namespace query_internal {

std::string_view field_name(QueryNode::Field f) {
  switch (f) {
    case QueryNode::Field::kTitle:
      return "title:";
    case QueryNode::Field::kBody:
      return "body:";
    case QueryNode::Field::kSource:
      return "source:";
    case QueryNode::Field::kLang:
      return "lang:";
    case QueryNode::Field::kAny:
      break;
  }
  return "";
}

namespace {

// Whether `a` becomes `b` by one letter changed, added or dropped, or two
// neighbours swapped (ASCII only: field names).
bool one_typo(std::string_view a, std::string_view b) {
  if (a.size() > b.size()) std::swap(a, b);
  if (b.size() - a.size() > 1) return false;
  std::size_t i = 0;
  while (i < a.size() && a[i] == b[i]) ++i;
  if (a.size() == b.size()) {
    if (i == a.size()) return false;
    if (a.substr(i + 1) == b.substr(i + 1)) return true;
    return i + 1 < a.size() && a[i] == b[i + 1] && a[i + 1] == b[i] &&
           a.substr(i + 2) == b.substr(i + 2);
  }
  return a.substr(i) == b.substr(i + 1);
}

// The field a user of web search engines or of our field names most likely meant.
std::string_view field_meant(std::string_view name) {
  static constexpr std::pair<std::string_view, std::string_view> kSynonyms[] = {
      {"intitle", "title:"}, {"headline", "title:"}, {"subject", "title:"},
      {"intext", "body:"},   {"inbody", "body:"},    {"text", "body:"},
      {"content", "body:"},  {"site", "source:"},    {"domain", "source:"},
      {"url", "source:"},    {"inurl", "source:"},   {"from", "source:"},
      {"src", "source:"},    {"language", "lang:"},  {"languages", "lang:"},
      {"sources", "source:"}};
  for (const auto& [synonym, field] : kSynonyms) {
    if (name == synonym) return field;
  }
  for (std::string_view field : {"title", "body", "source", "lang"}) {
    if (one_typo(name, field))
      return field == "title"    ? "title:"
             : field == "body"   ? "body:"
             : field == "source" ? "source:"
                                 : "lang:";
  }
  return {};
}

}  // namespace

std::optional<std::string> unknown_field(std::string_view word) {
  const std::size_t colon = word.find(':');
  if (colon == std::string_view::npos || colon < 2) return std::nullopt;
  const std::string_view name = word.substr(0, colon);
  const std::string_view rest = word.substr(colon + 1);
  std::string lower;
  for (char c : name) {
    const bool upper = c >= 'A' && c <= 'Z';
    if (!upper && !(c >= 'a' && c <= 'z')) return std::nullopt;
    lower += upper ? static_cast<char>(c + 32) : c;
  }
  if (rest.starts_with("//")) return std::nullopt;  // a URL
  const bool lower_case_field =
      lower == "title" || lower == "body" || lower == "source" || lower == "lang";
  const std::string_view meant = lower_case_field ? std::string_view() : field_meant(lower);
  // "Haftar:" at the end of a word is punctuation, unless it names a field.
  if (rest.empty() && !lower_case_field && meant.empty()) return std::nullopt;
  std::string message = "unknown field '";
  message += name;
  message += ":'";
  if (lower_case_field) {
    message += ": fields are lower-case, did you mean " + lower + ":?";
  } else if (!meant.empty()) {
    message += ": did you mean ";
    message += meant;
    message += "?";
  }
  message += " (fields: title body source lang";
  if (meant == "source:") message += "; source: takes a source id of the config";
  message += "; to look for the text, quote it)";
  return message;
}

// Whether `n` requires some word to be present, so the matcher has an anchor.
bool has_positive(const QueryNode& n) {
  switch (n.kind) {
    case QueryNode::Kind::kTerm:
    case QueryNode::Kind::kPhrase:
    case QueryNode::Kind::kNear:
      return true;
    case QueryNode::Kind::kNot:
    case QueryNode::Kind::kMeta:
      return false;
    case QueryNode::Kind::kAnd:
      for (const auto& c : n.children) {
        if (has_positive(c)) return true;
      }
      return false;
    case QueryNode::Kind::kOr:
      for (const auto& c : n.children) {
        if (!has_positive(c)) return false;
      }
      return true;
  }
  return false;
}

namespace {

bool has_not(const QueryNode& n) {
  return n.kind == QueryNode::Kind::kNot || std::ranges::any_of(n.children, has_not);
}

// Why `n` offers nothing to look for: NOT excludes, source: and lang: restrict.
std::string no_positive_reason(const QueryNode& n) {
  return has_not(n) ? "(NOT only excludes; add a word to look for)"
                    : "(source: and lang: only restrict; add a word to look for)";
}

}  // namespace

// The first place where the query lacks a positive term, with the reason.
ParseError explain_no_positive(const QueryNode& n) {
  if (n.kind == QueryNode::Kind::kOr) {
    for (const auto& c : n.children) {
      if (!has_positive(c)) {
        if (c.kind == QueryNode::Kind::kOr) return explain_no_positive(c);
        return {c.offset, "OR alternative has no positive term " + no_positive_reason(c)};
      }
    }
  }
  return {n.offset, "rule has no positive term " + no_positive_reason(n)};
}

std::string format_error(std::string_view query, const SourcePos& pos, const ParseError& e) {
  const std::size_t at = std::min(e.offset, query.size());
  int line = pos.line > 0 ? pos.line : 1;
  int column = pos.column > 0 ? pos.column : 1;
  std::size_t line_start = 0;
  for (std::size_t i = 0; i < at; ++i) {
    const auto ch = static_cast<unsigned char>(query[i]);
    if (ch == '\n') {
      ++line;
      column = 1;
      line_start = i + 1;
    } else if ((ch & 0xC0) != 0x80) {
      ++column;  // count code points: skip UTF-8 continuation bytes
    }
  }
  std::size_t line_end = query.find('\n', line_start);
  if (line_end == std::string_view::npos) line_end = query.size();
  std::string_view text = query.substr(line_start, line_end - line_start);
  if (text.ends_with('\r')) text.remove_suffix(1);
  std::string caret;
  for (std::size_t i = line_start; i < at; ++i) {
    const auto ch = static_cast<unsigned char>(query[i]);
    if (ch == '\t') {
      caret += '\t';  // keep the caret aligned under tabs
    } else if ((ch & 0xC0) != 0x80) {
      caret += ' ';
    }
  }
  const std::string file = pos.file.empty() ? "<query>" : pos.file;
  return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + e.message +
         "\n    " + std::string(text) + "\n    " + caret + "^";
}

namespace {

void print(const QueryNode& n, std::string& out) {
  switch (n.kind) {
    case QueryNode::Kind::kTerm:
    case QueryNode::Kind::kPhrase: {
      out += field_name(n.field);
      if (n.exact) out += '=';
      const bool quote = n.kind == QueryNode::Kind::kPhrase || n.words.size() > 1;
      if (quote) out += '"';
      for (std::size_t i = 0; i < n.words.size(); ++i) {
        if (i > 0) out += ' ';
        out += n.words[i];
      }
      if (n.prefix) out += '*';
      if (quote) out += '"';
      if (n.fuzzy) out += "~1";
      return;
    }
    case QueryNode::Kind::kMeta:
      out += field_name(n.field);
      out += n.text;
      return;
    case QueryNode::Kind::kNear:
      out += n.ordered ? "(ONEAR/" : "(NEAR/";
      out += std::to_string(n.distance);
      for (const auto& c : n.children) {
        out += ' ';
        print(c, out);
      }
      out += ')';
      return;
    case QueryNode::Kind::kAnd:
    case QueryNode::Kind::kOr:
    case QueryNode::Kind::kNot:
      out += n.kind == QueryNode::Kind::kAnd  ? "(AND"
             : n.kind == QueryNode::Kind::kOr ? "(OR"
                                              : "(NOT";
      for (const auto& c : n.children) {
        out += ' ';
        print(c, out);
      }
      out += ')';
      return;
  }
}

}  // namespace
}  // namespace query_internal

std::string to_string(const QueryNode& node) {
  std::string out;
  query_internal::print(node, out);
  return out;
}

}  // namespace nw
