// HTML character references (named HTML 4 entities and numeric references)
// for text that XML parsers do not decode: feed titles written as escaped HTML,
// and the &nbsp; &eacute; &hellip; that feeds use without declaring them.
// Pure functions, safe from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace nw {

// The code point of a named entity ("eacute", no '&' or ';'), or 0 if unknown.
char32_t html_named_entity(std::string_view name);

// What a numeric reference should decode to, as browsers do it: 0x80-0x9F are
// read as windows-1252, and NUL, surrogates and values past U+10FFFF as U+FFFD.
char32_t sanitize_code_point(uint32_t cp);

void append_utf8(std::string& out, char32_t cp);

struct CharRef {
  size_t length = 0;  // bytes consumed, including '&' and ';'; 0 = not a reference
  char32_t code_point = 0;
};

// Reads the reference at the start of `s` ("&amp;", "&#233;", "&#xE9;").
// Needs the terminating ';'. Unknown names are not references.
CharRef parse_char_ref(std::string_view s);

// Replaces every reference in `text`; anything else ("AT&T") stays as is.
std::string decode_html_entities(std::string_view text);

}  // namespace nw
