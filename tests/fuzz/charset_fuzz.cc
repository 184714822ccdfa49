// libFuzzer target for decode_to_utf8 (feeds/charset.h): any bytes under any
// Content-Type, as XML, HTML or text. Contract checked: it never fails, the text
// is always valid UTF-8, and the encoding name is lower-case and non-empty. (Not
// checked: "without a BOM" — a second U+FEFF after a UTF-16 BOM is kept as text.)
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <iterator>
#include <string_view>

#include "feeds/charset.h"

namespace {

bool valid_utf8(std::string_view s) {
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

void check(bool ok) {
  if (!ok) std::abort();
}

// The first byte picks the Content-Type and the document type.
constexpr std::string_view kContentTypes[] = {"",
                                              "text/html; charset=utf-8",
                                              "text/html; charset=windows-1256",
                                              "text/xml; charset=iso-8859-6",
                                              "text/plain; charset=utf-16",
                                              "text/html; charset=\"UTF-32BE\"",
                                              "text/xml; charset=bogus",
                                              "text/html;charset=shift_jis",
                                              "application/xml; charset=koi8-r",
                                              "text/html; charset=gb18030"};
constexpr nw::DocType kTypes[] = {nw::DocType::kXml, nw::DocType::kHtml, nw::DocType::kText};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view content_type = kContentTypes[data[0] % std::size(kContentTypes)];
  const nw::DocType type = kTypes[(data[0] / std::size(kContentTypes)) % std::size(kTypes)];
  const std::string_view bytes(reinterpret_cast<const char*>(data + 1), size - 1);
  const nw::Decoded d = nw::decode_to_utf8(bytes, content_type, type);
  check(valid_utf8(d.text));
  check(!d.encoding.empty());
  for (char c : d.encoding) check(!(c >= 'A' && c <= 'Z'));
  return 0;
}
