// Decoding document bytes to UTF-8 with ICU. Arabic sites still serve
// windows-1256 and ISO-8859-6, often mislabelled: the charset is chosen from, in
// order, the byte-order mark, the HTTP Content-Type charset, the document's own
// declaration (XML declaration or HTML <meta>), then ICU's detector. A declared
// (or BOM-given) UTF-8 with a few bad bytes stays UTF-8 with U+FFFD for them; only
// a declared UTF-8 over bytes that are mostly not UTF-8 falls through to detection.
// Pure functions, safe from any thread.
#pragma once

#include <string>
#include <string_view>

namespace nw {

enum class DocType { kXml, kHtml, kText };

struct Decoded {
  std::string text;  // valid UTF-8, without a BOM; invalid input bytes become U+FFFD
  // The charset used, lower-case IANA-style name ("utf-8", "windows-1256").
  // "iso-8859-1" and "us-ascii" are decoded as windows-1252, as browsers do.
  std::string encoding;
  // What was wrong with the text and repaired, for the feed's "bozo" mark:
  // doubly encoded UTF-8, or UTF-8 pasted into a windows-1252 (ISO-8859-1)
  // document. Empty when the bytes decoded as they are (a charset that had to
  // be detected is no damage).
  std::string repaired;
};

// Never fails: an unknown or unusable label falls through to the next source of
// truth, and undecodable bytes are replaced.
Decoded decode_to_utf8(std::string_view bytes, std::string_view content_type, DocType type);

}  // namespace nw
