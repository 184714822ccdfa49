// libFuzzer target for nw::html::parse (filters/html.h), the DOM every HTML
// consumer walks. Beyond "no crash, no sanitizer report", it checks the DOM's
// invariants on whatever myhtml builds: ids are document order, every node's
// subtree (id, end) nests inside its parent's, and the navigation functions
// agree with each other.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "feeds/text.h"
#include "filters/html.h"
#include "tests/fuzz/fuzz_check.h"

using nw::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  nw::Result<nw::html::Document> doc = nw::html::parse(bytes, {.max_bytes = 1u << 20});
  if (!doc) {
    check(doc.error().code == nw::Errc::kTooLarge || doc.error().code == nw::Errc::kParse ||
          doc.error().code == nw::Errc::kInternal);
    check(!doc.error().message.empty());
    return 0;
  }
  const std::size_t n = doc->size();
  check(n >= 1 && doc->root().tag() == nw::html::Tag::kDocument);
  std::uint32_t visited = 0;
  for (nw::html::Node node = doc->root(); node; node = node.following()) {
    check(node.id() == visited++);
    check(node.end() > node.id() && node.end() <= n);
    if (nw::html::Node parent = node.parent()) {
      check(parent.contains(node) && parent.id() < node.id() && node.end() <= parent.end());
    } else {
      check(node.id() == 0);
    }
    if (nw::html::Node child = node.first_child()) check(child.id() == node.id() + 1);
    if (nw::html::Node next = node.next_sibling()) check(next.id() == node.end());
    if (nw::html::Node after = node.after()) check(after.id() == node.end());
    for (const nw::html::Attribute& a : node.attributes()) check(node.has_attr(a.name));
    (void)node.text_content();
  }
  check(visited == n);
  (void)nw::collapse_whitespace(bytes);
  return 0;
}
