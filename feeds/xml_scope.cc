#include "feeds/xml_scope.h"

#include <array>

#include "feeds/text.h"
#include "feeds/url.h"

namespace nw {
namespace {

// For prefixes used without a declaration (a frequent slip: dc:creator with
// no xmlns:dc), the conventional binding.
Ns conventional_prefix(std::string_view prefix) {
  // In any case: "ITUNES:SUMMARY" is written by hand often enough.
  if (iequals(prefix, "dc")) return Ns::kDc;
  if (iequals(prefix, "content")) return Ns::kContent;
  if (iequals(prefix, "media")) return Ns::kMedia;
  if (iequals(prefix, "atom") || iequals(prefix, "atom10")) return Ns::kAtom;
  if (iequals(prefix, "rdf")) return Ns::kRdf;
  if (iequals(prefix, "dcterms")) return Ns::kDcTerms;
  if (iequals(prefix, "xhtml")) return Ns::kXhtml;
  if (iequals(prefix, "sy")) return Ns::kSy;
  if (iequals(prefix, "itunes")) return Ns::kItunes;
  return Ns::kOther;
}

}  // namespace

Ns classify_uri(std::string_view uri) {
  if (uri.empty()) return Ns::kNone;
  // Compare without the scheme and trailing slash: "https://www.w3.org/2005/Atom/"
  // is a common slip for the Atom namespace.
  if (uri.starts_with("http://"))
    uri.remove_prefix(7);
  else if (uri.starts_with("https://"))
    uri.remove_prefix(8);
  if (uri.ends_with('/')) uri.remove_suffix(1);
  struct Known {
    std::string_view uri;
    Ns ns;
  };
  static constexpr std::array kKnown = {
      Known{"www.w3.org/2005/Atom", Ns::kAtom},
      Known{"purl.org/atom/ns#", Ns::kAtom03},
      Known{"purl.org/rss/1.0", Ns::kRss},
      Known{"my.netscape.com/rdf/simple/0.9", Ns::kRss},
      Known{"backend.userland.com/rss2", Ns::kRss},
      Known{"blogs.law.harvard.edu/tech/rss", Ns::kRss},
      Known{"www.w3.org/1999/02/22-rdf-syntax-ns#", Ns::kRdf},
      Known{"purl.org/rss/1.0/modules/content", Ns::kContent},
      Known{"purl.org/dc/elements/1.1", Ns::kDc},
      Known{"purl.org/dc/terms", Ns::kDcTerms},
      Known{"search.yahoo.com/mrss", Ns::kMedia},
      Known{"www.w3.org/1999/xhtml", Ns::kXhtml},
      Known{"purl.org/rss/1.0/modules/syndication", Ns::kSy},
      Known{"www.itunes.com/dtds/podcast-1.0.dtd", Ns::kItunes},
  };
  // Namespace names compare exactly by the spec, but publishers copy Apple's
  // "http://www.itunes.com/DTDs/PodCast-1.0.dtd" and other respellings; no two
  // vocabularies here differ only in case.
  for (const Known& k : kKnown) {
    if (iequals(k.uri, uri)) return k.ns;
  }
  return Ns::kOther;
}

Ns Scope::lookup(std::string_view prefix) const {
  for (const Scope* s = this; s != nullptr; s = s->parent) {
    for (const auto& [p, ns] : s->bindings) {
      if (p == prefix) return ns;
    }
  }
  return prefix.empty() ? Ns::kNone : conventional_prefix(prefix);
}

Name name_of(pugi::xml_node node, const Scope& scope) {
  const std::string_view q = node.name();
  const size_t colon = q.find(':');
  if (colon == std::string_view::npos) return {scope.lookup({}), q};
  return {scope.lookup(q.substr(0, colon)), q.substr(colon + 1)};
}

bool enter(pugi::xml_node node, const Scope& parent, Scope& out) {
  bool own = false;
  for (pugi::xml_attribute a = node.first_attribute(); a; a = a.next_attribute()) {
    const std::string_view n = a.name();
    if (n.size() < 5 || (n[0] != 'x' && n[0] != 'X')) continue;
    if (n == "xmlns" || n.starts_with("xmlns:")) {
      if (!own) out.start(parent);
      own = true;
      out.bindings.emplace_back(n.size() > 6 ? n.substr(6) : std::string_view(),
                                classify_uri(a.value()));
    } else if (n == "xml:base") {
      if (!own) out.start(parent);
      own = true;
      std::string resolved = resolve_url(parent.base, a.value());
      if (!resolved.empty()) {
        out.own_base = std::move(resolved);
        out.base = out.own_base;
      }
    }
  }
  return own;
}

}  // namespace nw
