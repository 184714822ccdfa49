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
#include "tests/fuzz/fuzz_check.h"

namespace {

using nw::fuzz::check;
using nw::fuzz::valid_utf8;

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
