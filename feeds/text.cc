#include "feeds/text.h"

#include <algorithm>
#include <cstddef>

namespace nw {
namespace {

// Bytes of the Unicode space starting at text[i] (after is_space()), 0 if none.
std::size_t unicode_space(std::string_view text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[i + k]); };
  if (byte(0) == 0xC2 && i + 1 < text.size() && byte(1) == 0xA0) return 2;  // U+00A0
  if (byte(0) == 0xE2 && i + 2 < text.size() && byte(1) == 0x80) {
    // U+2000..U+200A spaces, U+2028/2029 separators, U+202F narrow NBSP.
    const unsigned char c2 = byte(2);
    if (c2 <= 0x8A || c2 == 0xA8 || c2 == 0xA9 || c2 == 0xAF) return 3;
  }
  return 0;
}

}  // namespace

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = lower_ascii(c);
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  return std::ranges::equal(a, b, [](char x, char y) { return lower_ascii(x) == lower_ascii(y); });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

std::string collapse_whitespace(std::string_view utf8) {
  std::string out;
  out.reserve(utf8.size());
  bool space = false;
  for (std::size_t i = 0; i < utf8.size(); ++i) {
    std::size_t width = is_space(utf8[i]) ? 1 : unicode_space(utf8, i);
    if (width > 0) {
      space = !out.empty();
      i += width - 1;
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(utf8[i]);
  }
  return out;
}

std::uint64_t fnv1a64(std::initializer_list<std::string_view> parts) {
  std::uint64_t h = 1469598103934665603ull;
  auto mix = [&h](unsigned char c) {
    h ^= c;
    h *= 1099511628211ull;
  };
  bool first = true;
  for (std::string_view part : parts) {
    if (!first) mix(0x1f);
    first = false;
    for (unsigned char c : part) mix(c);
  }
  return h;
}

std::string fnv1a64_hex(std::initializer_list<std::string_view> parts) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::uint64_t h = fnv1a64(parts);
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, h >>= 4) out[static_cast<std::size_t>(i)] = kHex[h & 0xF];
  return out;
}

std::string escape_html(std::string_view s) {
  std::string out;
  out.reserve(s.size() + s.size() / 8);
  for (const char c : s) {
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
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace nw
