// XML names for the feed walk: namespaces identified by URI (not by prefix),
// and the xml:base in effect, per element. Internal to nw_feeds. Values live
// on the caller's stack; pure functions, safe from any thread.
#pragma once

#include <cstdint>
#include <pugixml.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nw {

// The vocabularies a feed parser cares about.
enum class Ns : uint8_t {
  kNone,
  kRss,
  kAtom,
  kAtom03,
  kRdf,
  kContent,
  kDc,
  kDcTerms,
  kMedia,
  kXhtml,
  kSy,
  kItunes,
  kOther
};

Ns classify_uri(std::string_view uri);

// Namespace bindings and xml:base in effect for an element. Scopes live on the
// stack of the walk; most elements share their parent's. Not copyable: `base`
// may point into `own_base`.
struct Scope {
  Scope() = default;
  explicit Scope(std::string_view document_base) : base(document_base) {}
  Scope(const Scope&) = delete;
  Scope& operator=(const Scope&) = delete;

  // Becomes a child of `p`, inheriting its base.
  void start(const Scope& p) {
    parent = &p;
    base = p.base;
  }

  const Scope* parent = nullptr;
  std::vector<std::pair<std::string_view, Ns>> bindings;  // prefix ("" = default) -> ns
  std::string own_base;
  std::string_view base;  // absolute URL relative links resolve against; may be empty

  // The namespace a prefix is bound to here; undeclared conventional prefixes
  // ("dc", "content", "media"...) get their usual namespace.
  Ns lookup(std::string_view prefix) const;
};

struct Name {
  Ns ns;
  std::string_view local;
  bool is(Ns n, std::string_view l) const { return ns == n && local == l; }
};

// The (namespace, local name) of an element.
Name name_of(pugi::xml_node node, const Scope& scope);

// Fills `out` with the scope of `node` if it declares namespaces or xml:base,
// and returns true; otherwise `parent` applies and `out` is untouched.
bool enter(pugi::xml_node node, const Scope& parent, Scope& out);

// Visits each element child of `node` with its (namespace, local name) and scope.
template <class F>
void for_each_child(pugi::xml_node node, const Scope& scope, F&& f) {
  for (pugi::xml_node c = node.first_child(); c; c = c.next_sibling()) {
    if (c.type() != pugi::node_element) continue;
    Scope own;
    const Scope& s = enter(c, scope, own) ? own : scope;
    f(c, name_of(c, s), s);
  }
}

}  // namespace nw
