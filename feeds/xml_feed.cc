// The RSS/RDF/Atom element walk behind walk_xml_feed() (feeds/xml_feed.h):
// per-format element handling, links and enclosures, dates, polling hints.
#include "feeds/xml_feed.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include "feeds/date.h"
#include "feeds/feed_text.h"
#include "feeds/text.h"
#include "feeds/url.h"

namespace nw {
namespace {

// Beyond this many, warnings are counted rather than listed.
constexpr size_t kMaxWarnings = 20;

std::string person(std::string name, std::string email) {
  if (name.empty()) return email;
  if (email.empty()) return name;
  return name + " (" + email + ")";
}

// True for an absolute http(s) URL that resolve_url() would return unchanged:
// lower-case scheme, a plain host, a path, printable ASCII only and no dot
// segments. Most feed links are like this, and libcurl's URL parser costs more
// than the rest of the parse (feed_parser_test checks the equivalence).
bool already_normal_url(std::string_view u) {
  size_t i;
  if (u.starts_with("https://")) {
    i = 8;
  } else if (u.starts_with("http://")) {
    i = 7;
  } else {
    return false;
  }
  const size_t host_start = i;
  for (; i < u.size() && u[i] != '/'; ++i) {
    const char c = u[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
          c == '-' || c == '_' || c == ':')) {
      return false;  // userinfo, IPv6 literals, '?' or '#' before the path: slow path
    }
  }
  if (i == host_start || i == u.size()) return false;
  bool in_path = true;
  for (; i < u.size(); ++i) {
    const char c = u[i];
    if (c <= ' ' || c >= 0x7F || c == '\\') return false;
    if (c == '?' || c == '#') in_path = false;
    if (in_path && c == '/' && i + 1 < u.size() && u[i + 1] == '.') return false;
  }
  return true;
}

// An attribute's value by name in any case (CDF writes HREF, LastMod...).
std::string_view attribute_any_case(pugi::xml_node node, std::string_view name) {
  for (pugi::xml_attribute a = node.first_attribute(); a; a = a.next_attribute()) {
    if (iequals(a.name(), name)) return a.value();
  }
  return {};
}

// An element's name without its prefix.
std::string_view local_part(pugi::xml_node node) {
  std::string_view n = node.name();
  if (const size_t colon = n.find(':'); colon != std::string_view::npos) n.remove_prefix(colon + 1);
  return n;
}

// CDF channels nest (sub-channels hold items too); hostile input might nest deeper.
constexpr int kMaxCdfDepth = 8;

// ---- the walk -----------------------------------------------------------

class Walker {
 public:
  explicit Walker(Feed& feed) : feed_(feed) {}

  void warn(std::string w) {
    if (feed_.warnings.size() < kMaxWarnings) {
      feed_.warnings.push_back(std::move(w));
    } else {
      ++dropped_warnings_;
    }
  }
  // Feed-level elements that any format may carry: polling hints.
  bool feed_hint(pugi::xml_node node, const Name& n) {
    if (n.ns == Ns::kSy) {
      if (n.local == "updatePeriod") sy_period_ = std::string(trim(element_text(node)));
      if (n.local == "updateFrequency") sy_frequency_ = std::string(trim(element_text(node)));
      return true;
    }
    if (n.local == "ttl" && (n.ns == Ns::kNone || n.ns == Ns::kRss)) {
      const std::string text = std::string(trim(element_text(node)));
      const std::optional<long> minutes = small_number(text);
      if (minutes && *minutes > 0) {
        feed_.ttl = std::chrono::minutes(*minutes);
      } else {
        warn("ignored <ttl> \"" + utf8_prefix(text, 32) + "\": not a positive number of minutes");
      }
      return true;
    }
    return false;
  }

  void finish() {
    if (!sy_period_.empty() || !sy_frequency_.empty()) update_interval();
    if (dropped_warnings_ > 0) {
      feed_.warnings.push_back("... and " + std::to_string(dropped_warnings_) + " more warnings");
    }
  }

  std::optional<SysSeconds> date(pugi::xml_node node) {
    const std::string text = std::string(trim(element_text(node)));
    if (text.empty()) return std::nullopt;
    std::optional<SysSeconds> d = parse_date(text);
    if (!d) warn("unparsable date \"" + utf8_prefix(text, 64) + "\" in <" + node.name() + ">");
    return d;
  }

  // For an element given more than once (several <updated>): the last value
  // that is a date wins, as in feed readers that keep the last one; a later
  // non-date does not erase an earlier date.
  void latest_date(pugi::xml_node node, std::optional<SysSeconds>& into) {
    if (std::optional<SysSeconds> d = date(node)) into = d;
  }

  // An entry's id: as written, except that a relative reference with a path
  // ("/2024/05/story") is resolved against the base like a link, as feed
  // readers do. Opaque ids without a scheme ("12345", "post-7") stay as they
  // are: resolving them would make up URLs.
  static std::string entry_id(std::string_view raw, const Scope& scope) {
    std::string id(trim(raw));
    if (scope.base.empty() || id.find('/') == std::string::npos || has_url_scheme(id)) return id;
    std::string abs = resolve_url(scope.base, id);
    return abs.empty() ? id : abs;
  }

  // An RSS HTML field (description, content:encoded): relative URLs in it
  // resolved against the element's base.
  static std::string html_text(pugi::xml_node node, const Scope& scope) {
    return resolve_html_urls(std::string(trim(element_text(node, scope.base))), scope.base);
  }

  std::string link(const Scope& scope, std::string_view raw) {
    std::string_view r = raw;
    while (!r.empty() && std::strchr(" \t\r\n", r.front()) != nullptr) r.remove_prefix(1);
    while (!r.empty() && std::strchr(" \t\r\n", r.back()) != nullptr) r.remove_suffix(1);
    if (r.empty()) return {};
    if (already_normal_url(r)) return std::string(r);
    return resolve_url(scope.base, r);
  }

  // Media RSS text, for an item that has no title or description of its own.
  struct MediaText {
    std::string title;
    std::string description;
  };

  void media(pugi::xml_node node, const Name& n, const Scope& scope, FeedEntry& e,
             MediaText* text = nullptr, bool in_group = false) {
    if (n.local == "group") {
      if (in_group) return;  // groups do not nest; hostile input might
      for_each_child(node, scope, [&](pugi::xml_node c, const Name& cn, const Scope& cs) {
        if (cn.ns == Ns::kMedia) media(c, cn, cs, e, text, /*in_group=*/true);
      });
    } else if (text != nullptr && n.local == "title") {
      if (text->title.empty()) text->title = plain_text(element_text(node), true);
    } else if (text != nullptr && n.local == "description") {
      if (text->description.empty()) text->description = html_text(node, scope);
    } else if (n.local == "content" || n.local == "thumbnail") {
      add_enclosure(e, scope, node.attribute("url").value(), node.attribute("type").value(),
                    node.attribute("fileSize").value());
      // A media:content may carry its own media:title and media:description.
      if (text != nullptr && n.local == "content") {
        for_each_child(node, scope, [&](pugi::xml_node c, const Name& cn, const Scope& cs) {
          if (cn.ns == Ns::kMedia && (cn.local == "title" || cn.local == "description"))
            media(c, cn, cs, e, text, /*in_group=*/true);
        });
      }
    }
  }

  void add_enclosure(FeedEntry& e, const Scope& scope, std::string_view url, std::string_view type,
                     std::string_view length) {
    std::string abs = link(scope, url);
    if (abs.empty()) return;
    for (Enclosure& existing : e.enclosures) {
      if (existing.url == abs) {  // <enclosure> and media:content naming one file
        if (existing.type.empty()) existing.type = type;
        if (existing.length.empty()) existing.length = length;
        return;
      }
    }
    e.enclosures.push_back({std::move(abs), std::string(type), std::string(length)});
  }

  // An atom:link's target if it is the alternate (HTML) link; ranks text/html
  // (or untyped) alternates above others.
  void atom_link(pugi::xml_node node, const Scope& scope, std::string& best, int& best_rank,
                 FeedEntry* entry) {
    const std::string_view rel = node.attribute("rel").value();
    const std::string_view type = node.attribute("type").value();
    std::string_view href = node.attribute("href").value();
    // <link>URL</link>, RSS's form in an Atom feed, as feed readers read it.
    std::string text_href;
    if (!node.attribute("href") && node.first_child()) {
      text_href = element_text(node);
      href = text_href;
    }
    if (rel == "enclosure") {
      if (entry) add_enclosure(*entry, scope, href, type, node.attribute("length").value());
      return;
    }
    if (rel == "hub") {
      if (!entry && feed_.hub.empty()) feed_.hub = link(scope, href);
      return;
    }
    if (!rel.empty() && rel != "alternate" &&
        rel != "http://www.iana.org/assignments/relation/alternate") {
      return;
    }
    const int rank =
        (type.empty() || type == "text/html" || type == "application/xhtml+xml") ? 2 : 1;
    if (rank <= best_rank) return;
    std::string abs = link(scope, href);
    if (abs.empty()) return;
    best = std::move(abs);
    best_rank = rank;
  }

  // ---- RSS 0.9x / 1.0 / 2.0 ----

  static bool rss_ns(Ns ns) { return ns == Ns::kNone || ns == Ns::kRss; }

  void rss_channel(pugi::xml_node channel, const Scope& scope) {
    int link_rank = 0;
    std::string atom_alt;
    for_each_child(channel, scope, [&](pugi::xml_node c, const Name& n, const Scope& s) {
      if (rss_ns(n.ns)) {
        if (n.local == "title" && feed_.title.empty()) {
          feed_.title = plain_text(element_text(c), /*html=*/true);
        } else if (n.local == "link" && feed_.link.empty()) {
          feed_.link = link(s, element_text(c));
        } else if (n.local == "item") {
          rss_item(c, s);
        } else {
          feed_hint(c, n);
        }
      } else if (n.is(Ns::kAtom, "link")) {
        atom_link(c, s, atom_alt, link_rank, nullptr);
      } else if (n.is(Ns::kDc, "title") && feed_.title.empty()) {
        feed_.title = plain_text(element_text(c), true);
      } else {
        feed_hint(c, n);
      }
    });
    if (feed_.link.empty()) feed_.link = std::move(atom_alt);
  }

  void rss_item(pugi::xml_node item, const Scope& scope) {
    FeedEntry& e = feed_.entries.emplace_back();
    std::string rss_link, atom_alt, author, creator, itunes_author, itunes_summary, dc_title,
        dc_description, content, second_summary;
    MediaText media_text;
    bool guid_is_permalink = false;
    int link_rank = 0;
    std::optional<SysSeconds> pub_date, dc_date, issued;
    bool have_guid = false;
    if (pugi::xml_attribute about = item.attribute("rdf:about"))
      e.id = std::string(trim(about.value()));
    for_each_child(item, scope, [&](pugi::xml_node c, const Name& n, const Scope& s) {
      if (rss_ns(n.ns)) {
        const std::string_view l = n.local;
        if (l == "title") {
          if (e.title.empty()) e.title = plain_text(element_text(c), true);
        } else if (l == "link") {
          // <link href="..."/> is a common slip for Atom's form.
          if (rss_link.empty()) {
            rss_link = link(
                s, c.first_child() ? element_text(c) : std::string(c.attribute("href").value()));
          }
        } else if (l == "guid") {
          if (!have_guid) {
            have_guid = true;
            const bool permalink = std::string_view(c.attribute("isPermaLink").value()) != "false";
            e.id = permalink ? entry_id(element_text(c), s) : std::string(trim(element_text(c)));
            // A permalink guid is the item's URL; only absolute ones are
            // trusted ("123" is no link).
            guid_is_permalink =
                permalink && (e.id.starts_with("http://") || e.id.starts_with("https://"));
          }
        } else if (l == "description" || l == "summary") {
          // Given both, the first is the summary and the second the content
          // (unless the item has content of its own), as feed readers take them.
          if (e.summary.empty()) {
            e.summary = html_text(c, s);
          } else if (second_summary.empty()) {
            second_summary = html_text(c, s);
          }
        } else if (l == "pubDate") {
          latest_date(c, pub_date);
        } else if (l == "author") {
          if (author.empty()) author = rss_author(element_text(c));
        } else if (l == "enclosure") {
          add_enclosure(e, s, c.attribute("url").value(), c.attribute("type").value(),
                        c.attribute("length").value());
        } else if (l == "fullitem" || l == "body") {
          // An early full-content element, and xhtml:body written without its
          // namespace: the item's content either way.
          if (content.empty()) content = html_text(c, s);
        }
        return;
      }
      switch (n.ns) {
        case Ns::kContent:
          if (n.local == "encoded" && e.content.empty()) e.content = html_text(c, s);
          break;
        case Ns::kXhtml:
          if (n.local == "body" && content.empty()) {
            serialize_html_children(c, content, s.base);
            content = resolve_html_urls(std::string(trim(content)), s.base);
          }
          break;
        case Ns::kDc:
          if ((n.local == "creator" || n.local == "author") && creator.empty()) {
            creator = rss_author(element_text(c));  // "email (Name)", "Name <email>" too
          } else if (n.local == "date") {
            latest_date(c, dc_date);
          } else if (n.local == "title" && dc_title.empty()) {
            dc_title = plain_text(element_text(c), true);
          } else if (n.local == "description" && dc_description.empty()) {
            dc_description = html_text(c, s);
          }
          break;
        case Ns::kItunes:  // element names are written in any case ("itunes:Author")
          if (iequals(n.local, "author") && itunes_author.empty()) {
            itunes_author = rss_author(element_text(c));
          } else if (iequals(n.local, "summary") && itunes_summary.empty()) {
            itunes_summary = html_text(c, s);
          }
          break;
        case Ns::kDcTerms:
          if (n.local == "modified") latest_date(c, e.updated);
          if (n.local == "issued" || n.local == "created") latest_date(c, issued);
          break;
        case Ns::kAtom:
          if (n.local == "link")
            atom_link(c, s, atom_alt, link_rank, &e);
          else if (n.local == "updated")
            latest_date(c, e.updated);
          else if (n.local == "published")
            latest_date(c, issued);
          else if (n.local == "id" && !have_guid && e.id.empty())
            e.id = entry_id(element_text(c), s);
          break;
        case Ns::kMedia:
          media(c, n, s, e, &media_text);
          break;
        default:
          break;
      }
    });
    if (!rss_link.empty()) {
      e.link = std::move(rss_link);
    } else if (!atom_alt.empty()) {
      e.link = std::move(atom_alt);
    } else if (guid_is_permalink) {
      e.link = link(scope, e.id);
    }
    e.author = !author.empty()    ? std::move(author)
               : !creator.empty() ? std::move(creator)
                                  : std::move(itunes_author);
    if (e.title.empty()) e.title = std::move(dc_title);
    if (e.title.empty()) e.title = std::move(media_text.title);
    if (e.summary.empty()) e.summary = std::move(dc_description);
    if (e.summary.empty()) e.summary = std::move(itunes_summary);
    if (e.summary.empty()) e.summary = std::move(media_text.description);
    if (e.content.empty()) e.content = std::move(content);
    if (e.content.empty()) e.content = std::move(second_summary);
    e.published = pub_date ? pub_date : dc_date ? dc_date : issued;
    // dc:date is "the" date of the item: its last change as much as its birth.
    if (!e.updated) e.updated = dc_date;
  }

  // ---- Microsoft CDF ----

  void cdf_channel(pugi::xml_node channel, const Scope& scope, int depth) {
    // CDF's BASE attribute is its xml:base.
    Scope own;
    const std::string_view cdf_base = attribute_any_case(channel, "base");
    if (!cdf_base.empty()) {
      own.start(scope);
      own.own_base = resolve_url(scope.base, cdf_base);
      if (!own.own_base.empty()) own.base = own.own_base;
    }
    const Scope& s = cdf_base.empty() ? scope : own;
    if (depth == 0) feed_.link = link(s, attribute_any_case(channel, "href"));
    for (pugi::xml_node c = channel.first_child(); c; c = c.next_sibling()) {
      if (c.type() != pugi::node_element) continue;
      const std::string_view l = local_part(c);
      if (iequals(l, "title") && depth == 0 && feed_.title.empty()) {
        feed_.title = plain_text(element_text(c), /*html=*/true);
      } else if (iequals(l, "item")) {
        cdf_item(c, s);
      } else if (iequals(l, "channel") && depth < kMaxCdfDepth) {
        cdf_channel(c, s, depth + 1);
      }
    }
  }

  void cdf_item(pugi::xml_node item, const Scope& scope) {
    FeedEntry& e = feed_.entries.emplace_back();
    e.link = link(scope, attribute_any_case(item, "href"));
    if (const std::string_view lastmod = trim(attribute_any_case(item, "lastmod"));
        !lastmod.empty()) {
      e.updated = parse_date(lastmod);
      if (!e.updated) warn("unparsable date \"" + utf8_prefix(lastmod, 64) + "\" in LASTMOD");
    }
    for (pugi::xml_node c = item.first_child(); c; c = c.next_sibling()) {
      if (c.type() != pugi::node_element) continue;
      const std::string_view l = local_part(c);
      if (iequals(l, "title") && e.title.empty()) {
        e.title = plain_text(element_text(c), /*html=*/true);
      } else if (iequals(l, "abstract") && e.summary.empty()) {
        e.summary = html_text(c, scope);
      }
    }
  }

  // ---- Atom 1.0 / 0.3 ----

  static bool atom_ns(Ns ns) { return ns == Ns::kAtom || ns == Ns::kAtom03 || ns == Ns::kNone; }

  std::string atom_person(pugi::xml_node node, const Scope& scope) {
    std::string name, email;
    for_each_child(node, scope, [&](pugi::xml_node c, const Name& n, const Scope&) {
      if (!atom_ns(n.ns)) return;
      if (n.local == "name") name = collapse_whitespace(element_text(c));
      if (n.local == "email") email = collapse_whitespace(element_text(c));
    });
    return person(std::move(name), std::move(email));
  }

  void atom_feed(pugi::xml_node root, const Scope& scope) {
    int link_rank = 0;
    std::string feed_author;
    for_each_child(root, scope, [&](pugi::xml_node c, const Name& n, const Scope& s) {
      if (n.ns == Ns::kSy) feed_hint(c, n);
      if (!atom_ns(n.ns)) return;
      if (n.local == "title" && feed_.title.empty()) {
        bool html = false;
        const std::string t = atom_text(c, s, html);
        feed_.title = plain_text(t, html);
      } else if (n.local == "link") {
        atom_link(c, s, feed_.link, link_rank, nullptr);
      } else if (n.local == "author" && feed_author.empty()) {
        feed_author = atom_person(c, s);
      } else if (n.local == "entry") {
        atom_entry(c, s);
        if (feed_.entries.back().author.empty()) feed_.entries.back().author = feed_author;
      }
    });
    // An entry without an author has the feed's (RFC 4287 4.2.1), wherever
    // the feed's <author> stands.
    if (!feed_author.empty()) {
      for (FeedEntry& e : feed_.entries) {
        if (e.author.empty()) e.author = feed_author;
      }
    }
  }

  void atom_entry(pugi::xml_node entry, const Scope& scope) {
    FeedEntry& e = feed_.entries.emplace_back();
    int link_rank = 0;
    std::optional<SysSeconds> created;
    std::string creator, itunes_author, itunes_summary;
    MediaText media_text;
    for_each_child(entry, scope, [&](pugi::xml_node c, const Name& n, const Scope& s) {
      if (n.ns == Ns::kMedia) {
        media(c, n, s, e, &media_text);
        return;
      }
      if (n.is(Ns::kDc, "creator")) {
        if (creator.empty()) creator = rss_author(element_text(c));
        return;
      }
      if (n.ns == Ns::kItunes) {  // podcasts published as Atom carry them too
        if (iequals(n.local, "author") && itunes_author.empty()) {
          itunes_author = rss_author(element_text(c));
        } else if (iequals(n.local, "summary") && itunes_summary.empty()) {
          itunes_summary = html_text(c, s);
        }
        return;
      }
      if (!atom_ns(n.ns)) return;
      const std::string_view l = n.local;
      bool html = false;
      if (l == "id") {
        if (e.id.empty()) e.id = entry_id(element_text(c), s);
      } else if (l == "title") {
        if (e.title.empty()) {
          const std::string t = atom_text(c, s, html);  // sets html
          e.title = plain_text(t, html);
        }
      } else if (l == "link") {
        atom_link(c, s, e.link, link_rank, &e);
      } else if (l == "summary") {
        if (e.summary.empty()) {
          e.summary = atom_text(c, s, html);
          if (html) e.summary = resolve_html_urls(std::move(e.summary), s.base);
        }
      } else if (l == "content") {
        if (e.content.empty()) {
          e.content = atom_text(c, s, html);
          if (html) e.content = resolve_html_urls(std::move(e.content), s.base);
        }
      } else if (l == "published" || l == "issued") {
        latest_date(c, e.published);
      } else if (l == "created") {
        latest_date(c, created);
      } else if (l == "updated" || l == "modified") {
        latest_date(c, e.updated);
      } else if (l == "author") {
        if (e.author.empty()) e.author = atom_person(c, s);
      }
    });
    if (!e.published) e.published = created;
    if (e.author.empty()) e.author = std::move(creator);
    if (e.author.empty()) e.author = std::move(itunes_author);
    if (e.title.empty()) e.title = std::move(media_text.title);
    if (e.summary.empty()) e.summary = std::move(itunes_summary);
    if (e.summary.empty()) e.summary = std::move(media_text.description);
  }

 private:
  // A decimal number of at most 9 digits, or nullopt.
  static std::optional<long> small_number(std::string_view text) {
    if (text.empty() || text.size() > 9) return std::nullopt;
    long v = 0;
    for (char c : text) {
      if (c < '0' || c > '9') return std::nullopt;
      v = v * 10 + (c - '0');
    }
    return v;
  }

  // sy:updatePeriod (default daily) divided by sy:updateFrequency (default 1).
  void update_interval() {
    using std::chrono::hours;
    struct Period {
      std::string_view name;
      std::chrono::seconds length;
    };
    static constexpr std::array kPeriods = {
        Period{"hourly", hours(1)}, Period{"daily", hours(24)}, Period{"weekly", hours(24 * 7)},
        Period{"monthly", hours(24 * 30)}, Period{"yearly", hours(24 * 365)}};
    std::optional<std::chrono::seconds> period;
    const std::string name = lower_ascii(sy_period_.empty() ? std::string("daily") : sy_period_);
    for (const Period& p : kPeriods) {
      if (p.name == name) period = p.length;
    }
    const std::optional<long> frequency = sy_frequency_.empty() ? 1L : small_number(sy_frequency_);
    if (!period || !frequency || *frequency <= 0) {
      warn("ignored sy:updatePeriod \"" + utf8_prefix(sy_period_, 32) +
           "\" / sy:updateFrequency \"" + utf8_prefix(sy_frequency_, 32) + "\"");
      return;
    }
    // Never below a second, whatever the frequency claims.
    feed_.update_interval = std::max(std::chrono::seconds(1), *period / *frequency);
  }

  Feed& feed_;
  size_t dropped_warnings_ = 0;
  std::string sy_period_, sy_frequency_;
};

}  // namespace

bool is_cdf_channel(pugi::xml_node root) {
  const std::string_view l = local_part(root);
  return iequals(l, "channel") && (l != "channel" || !attribute_any_case(root, "href").empty());
}

void walk_xml_feed(XmlFeedKind kind, pugi::xml_node root, const Scope& scope, Feed& feed) {
  Walker walker(feed);
  switch (kind) {
    case XmlFeedKind::kRss:
    case XmlFeedKind::kRdf:
      for_each_child(root, scope, [&](pugi::xml_node c, const Name& n, const Scope& s) {
        if (!Walker::rss_ns(n.ns)) return;
        if (n.local == "channel") walker.rss_channel(c, s);
        if (n.local == "item") walker.rss_item(c, s);  // RSS 1.0 and 0.90 items are siblings
      });
      break;
    case XmlFeedKind::kChannel:
      walker.rss_channel(root, scope);
      break;
    case XmlFeedKind::kAtom:
      walker.atom_feed(root, scope);
      break;
    case XmlFeedKind::kCdf:
      walker.cdf_channel(root, scope, 0);
      break;
  }
  walker.finish();
}

}  // namespace nw
