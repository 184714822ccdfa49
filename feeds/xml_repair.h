// Pre-parse repair of feed XML as it is served: garbage before the first tag,
// entities declared in the internal DTD subset, HTML named entities (&nbsp; &eacute;) that XML
// without a DTD does not know, numeric references to NUL, surrogates or C1 controls, and '<' left
// unescaped in text. Keeps a map from repaired offsets back to the input, so that parse errors
// point at the bytes the user has. Pure functions, safe from any thread.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace nw {

class RepairedXml {
 public:
  std::string text;                   // what to hand to the XML parser
  std::vector<std::string> warnings;  // one per kind of repair, with a count
  // The first repair of something a strict XML parser rejects (input offset,
  // what), for the feed's "bozo" mark; absent when the input was well-formed.
  std::optional<std::pair<size_t, std::string>> ill_formed;

  // The input offset that `offset` in `text` came from.
  size_t input_offset(size_t offset) const;

 private:
  friend RepairedXml repair_xml(std::string input);
  // (offset in text, offset in input) at the start of each unedited stretch.
  std::vector<std::pair<size_t, size_t>> anchors_;
};

// `input` is UTF-8; it is moved into the result untouched when nothing needs
// repair (the common case costs one scan and no copy).
RepairedXml repair_xml(std::string input);

// 1-based line and column (in code points) of a byte offset in UTF-8 text.
std::pair<size_t, size_t> line_and_column(std::string_view text, size_t offset);

}  // namespace nw
