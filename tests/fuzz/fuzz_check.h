// What the fuzz targets assert, shared by all of them. An independent UTF-8
// oracle on purpose: checking the decoder's output with the decoder's own
// validator (feeds/charset.cc) would prove nothing. Header-only; any thread.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <string_view>

namespace nw::fuzz {

// A broken contract is a crash, which libFuzzer reports with the input.
inline void check(bool ok) {
  if (!ok) std::abort();
}

// Well-formed UTF-8 (RFC 3629): no stray continuation bytes, no overlong forms
// (C0, C1, E0 80..9F, F0 80..8F), no surrogates (ED A0..BF), nothing above
// U+10FFFF (F4 90.., F5..FF).
inline bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    const std::size_t n = c < 0x80                   ? 1
                          : (c >= 0xC2 && c <= 0xDF) ? 2
                          : (c >= 0xE0 && c <= 0xEF) ? 3
                          : (c >= 0xF0 && c <= 0xF4) ? 4
                                                     : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (std::size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    const auto c1 = static_cast<unsigned char>(n > 1 ? s[i + 1] : 0);
    if ((c == 0xE0 && c1 < 0xA0) || (c == 0xED && c1 > 0x9F) || (c == 0xF0 && c1 < 0x90) ||
        (c == 0xF4 && c1 > 0x8F)) {
      return false;
    }
    i += n;
  }
  return true;
}

}  // namespace nw::fuzz
