// Text helpers every folder shares, one of each: ASCII case and whitespace for
// protocol tokens, HTML attribute values, config values and dates, and the
// whitespace collapsing of titles and page text. They change ASCII bytes only
// (collapse_whitespace also the Unicode spaces), so UTF-8 passes through intact.
// Pure functions, safe from any thread.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

namespace nw {

// ' ', '\t', '\n', '\v', '\f', '\r': isspace() of the C locale, without a locale.
constexpr bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

// A-Z lowered; every other byte as it is.
constexpr char lower_ascii(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }
std::string lower_ascii(std::string_view s);

// Equal but for the case of A-Z.
bool iequals(std::string_view a, std::string_view b);

// Without is_space() bytes at either end.
std::string_view trim(std::string_view s);

// Runs of whitespace become one space and the ends are trimmed. Whitespace is
// is_space(), NO-BREAK SPACE (U+00A0), U+2000..U+200A, LINE and PARAGRAPH
// SEPARATOR (U+2028, U+2029) and NARROW NO-BREAK SPACE (U+202F).
std::string collapse_whitespace(std::string_view utf8);

// `s` as HTML text or attribute value: & < > " ' become entities.
std::string escape_html(std::string_view s);

// A stable 64-bit FNV-1a hash of `parts` joined by 0x1F separators (so
// {"ab","c"} and {"a","bc"} differ): the same on every machine and run, and
// the same as the item keys and alert ids stored by earlier versions.
// For identities (alert ids, item hashes, shards), not for security.
std::uint64_t fnv1a64(std::initializer_list<std::string_view> parts);
// The same as 16 lower-case hex digits.
std::string fnv1a64_hex(std::initializer_list<std::string_view> parts);

}  // namespace nw
