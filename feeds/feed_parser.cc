#include "feeds/feed_parser.h"

#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>
#include <optional>
#include <pugixml.hpp>
#include <string_view>

#include "feeds/charset.h"
#include "feeds/date.h"
#include "feeds/feed_text.h"
#include "feeds/json_feed.h"
#include "feeds/text.h"
#include "feeds/url.h"
#include "feeds/xml_feed.h"
#include "feeds/xml_repair.h"
#include "feeds/xml_scope.h"

namespace nw {
namespace {

Error parse_error_at(std::string_view text, size_t offset, std::string_view what) {
  const auto [line, column] = line_and_column(text, offset);
  return Error{Errc::kParse, "feed XML, line " + std::to_string(line) + ", column " +
                                 std::to_string(column) + ": " + std::string(what)};
}

std::string bozo_at(std::string_view text, size_t offset, std::string_view what) {
  const auto [line, column] = line_and_column(text, offset);
  return "XML line " + std::to_string(line) + ", column " + std::to_string(column) + ": " +
         std::string(what);
}

// Whether an element has the children of an Atom feed (<entry>, <title>, <id>),
// whatever their namespace.
bool looks_like_atom(pugi::xml_node root) {
  for (pugi::xml_node c = root.first_child(); c; c = c.next_sibling()) {
    if (c.type() != pugi::node_element) continue;
    std::string_view local = c.name();
    if (const size_t colon = local.find(':'); colon != std::string_view::npos)
      local.remove_prefix(colon + 1);
    if (local == "entry" || local == "title" || local == "id") return true;
  }
  return false;
}

// The base URL of the document before any xml:base: Content-Location resolved
// against the URL it was fetched from, else that URL.
std::string document_base(const FeedParseOptions& options) {
  if (!options.content_location.empty()) {
    if (std::string located = resolve_url(options.url, options.content_location); !located.empty())
      return located;
  }
  return options.url;
}

Result<Feed> parse_xml_feed(std::string_view bytes, std::string text,
                            const FeedParseOptions& options, std::string_view base, Feed feed) {
  RepairedXml xml = repair_xml(std::move(text));
  for (std::string& w : xml.warnings) feed.warnings.push_back(std::move(w));
  // The parser works in place, so positions are computed in a fresh decode,
  // on the rare paths that need one.
  const auto decoded_again = [&] {
    return decode_to_utf8(bytes, options.content_type, DocType::kXml).text;
  };
  if (xml.ill_formed)
    feed.bozo =
        bozo_at(decoded_again(), xml.ill_formed->first, xml.ill_formed->second + " (recovered)");

  // In-place parsing turns the buffer's last byte into the terminator; in a
  // truncated document that byte could be text (half a character). Well-formed
  // ones end in '>' or a newline, so this rarely copies.
  if (!xml.text.empty() && std::strchr(" \t\r\n>", xml.text.back()) == nullptr) {
    xml.text.push_back('\n');
  }
  pugi::xml_document doc;
  constexpr unsigned kOptions = pugi::parse_default | pugi::parse_ws_pcdata;
  const pugi::xml_parse_result parsed =
      doc.load_buffer_inplace(xml.text.data(), xml.text.size(), kOptions, pugi::encoding_utf8);
  const auto where = [&](ptrdiff_t repaired_offset) {
    return xml.input_offset(static_cast<size_t>(std::max<ptrdiff_t>(repaired_offset, 0)));
  };

  pugi::xml_node root = doc.document_element();
  const Scope top(base);
  Scope root_scope;
  const Scope& scope = (root && enter(root, top, root_scope)) ? root_scope : top;
  Name name = root ? name_of(root, scope) : Name{Ns::kNone, {}};
  if (name.local == "feed" && name.ns == Ns::kOther && &scope == &root_scope &&
      looks_like_atom(root)) {
    // A <feed> root under a namespace URI we do not know (an Atom draft, a
    // typo) with Atom's children is Atom, as feed readers take it: its prefix
    // means Atom throughout.
    const std::string_view qname = root.name();
    const size_t colon = qname.find(':');
    const std::string_view prefix = colon == std::string_view::npos ? "" : qname.substr(0, colon);
    const std::string_view uri =
        root.attribute(prefix.empty() ? "xmlns" : ("xmlns:" + std::string(prefix)).c_str()).value();
    const Ns atom = uri.find("purl.org/atom") != std::string_view::npos ||
                            std::string_view(root.attribute("version").value()) == "0.3"
                        ? Ns::kAtom03
                        : Ns::kAtom;
    for (auto& [p, ns] : root_scope.bindings) {
      if (p == prefix) ns = atom;
    }
    name.ns = atom;
    feed.warnings.push_back("<feed> under the unknown namespace \"" + std::string(uri) +
                            "\" read as Atom");
  }
  std::optional<XmlFeedKind> kind;
  if (name.local == "rss" &&
      (name.ns == Ns::kNone || name.ns == Ns::kRss || name.ns == Ns::kOther)) {
    kind = XmlFeedKind::kRss;
  } else if (name.local == "RDF" && name.ns == Ns::kRdf) {
    kind = XmlFeedKind::kRdf;
  } else if (name.local == "feed" &&
             (name.ns == Ns::kAtom || name.ns == Ns::kAtom03 || name.ns == Ns::kNone)) {
    kind = XmlFeedKind::kAtom;
  } else if (iequals(name.local, "channel") && name.ns == Ns::kNone && is_cdf_channel(root)) {
    kind = XmlFeedKind::kCdf;
  } else if (name.local == "channel" && (name.ns == Ns::kNone || name.ns == Ns::kRss)) {
    kind = XmlFeedKind::kChannel;
  }

  if (!kind) {
    if (!root)
      return std::unexpected(parse_error_at(decoded_again(), where(0), "no XML element found"));
    if (!parsed) {
      return std::unexpected(
          parse_error_at(decoded_again(), where(parsed.offset), parsed.description()));
    }
    // offset_debug() is where the name starts, one past the '<'.
    return std::unexpected(parse_error_at(
        decoded_again(), where(root.offset_debug() - 1),
        "<" + std::string(root.name()) + "> is not an RSS, RDF or Atom root element"));
  }
  if (parsed) {
    for (pugi::xml_node n = root.next_sibling(); n; n = n.next_sibling()) {
      if (n.type() == pugi::node_element ||
          (n.type() == pugi::node_pcdata &&
           std::string_view(n.value()).find_first_not_of(" \t\r\n") != std::string_view::npos)) {
        feed.warnings.push_back("ignored content after the root element");
        if (feed.bozo.empty()) {
          feed.bozo = bozo_at(decoded_again(), where(n.offset_debug()),
                              "content after the root element (ignored)");
        }
        break;
      }
    }
  }

  walk_xml_feed(*kind, root, scope, feed);
  if (!parsed) {
    // Like feedparser, an item cut off midway keeps what it had before the cut.
    const std::string original = decoded_again();
    // Feed-level fields alone are worth keeping: a feed cut off inside its
    // closing tag ("</feed") must not make its source go dark.
    if (feed.entries.empty() && feed.title.empty() && feed.link.empty() && feed.hub.empty()) {
      return std::unexpected(parse_error_at(original, where(parsed.offset), parsed.description()));
    }
    const auto [line, column] = line_and_column(original, where(parsed.offset));
    feed.warnings.push_back("XML error at line " + std::to_string(line) + ", column " +
                            std::to_string(column) + " (" + parsed.description() +
                            "): kept what came before it");
    // A document cut off or broken midway loses what follows: that outranks a
    // repaired '&' as the reason the feed is degraded.
    feed.bozo = bozo_at(original, where(parsed.offset),
                        std::string(parsed.description()) + "; kept what came before it");
  }
  return feed;
}

}  // namespace

Result<Feed> parse_feed(std::string_view bytes, const FeedParseOptions& options) {
  Decoded decoded = decode_to_utf8(bytes, options.content_type, DocType::kXml);
  Feed feed;
  feed.encoding = std::move(decoded.encoding);
  // Repaired text is a damaged document too (ill-formed XML, found later, outranks it).
  if (!decoded.repaired.empty()) feed.bozo = "charset: " + decoded.repaired;
  const size_t first = decoded.text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos)
    return fail(Errc::kParse, "feed XML, line 1, column 1: empty document");
  const std::string base = document_base(options);
  Result<Feed> parsed =
      decoded.text[first] == '{'
          ? parse_json_feed(decoded.text, base, std::move(feed))
          : parse_xml_feed(bytes, std::move(decoded.text), options, base, std::move(feed));
  if (parsed) {
    // Text fields are text: what a reader never sees (scripts, styles, frames,
    // comments) is not matched on either.
    for (FeedEntry& e : parsed->entries) {
      e.summary = drop_hidden_html(std::move(e.summary));
      e.content = drop_hidden_html(std::move(e.content));
    }
  }
  return parsed;
}

std::string feed_to_json(const Feed& feed) {
  using Json = nlohmann::ordered_json;
  auto date = [](const std::optional<SysSeconds>& d) -> Json {
    return d ? Json(format_iso8601(*d)) : Json(nullptr);
  };
  Json entries = Json::array();
  for (const FeedEntry& e : feed.entries) {
    Json enclosures = Json::array();
    for (const Enclosure& enc : e.enclosures) {
      enclosures.push_back({{"url", enc.url}, {"type", enc.type}, {"length", enc.length}});
    }
    entries.push_back({{"title", e.title},
                       {"link", e.link},
                       {"id", e.id},
                       {"published", date(e.published)},
                       {"updated", date(e.updated)},
                       // An entry without a summary shows its content there, as feed
                       // readers do; FeedEntry keeps the two apart (the daemon's digest).
                       {"summary", e.summary.empty() ? e.content : e.summary},
                       {"content", e.content},
                       {"author", e.author},
                       {"enclosures", std::move(enclosures)}});
  }
  Json head = {{"title", feed.title}, {"link", feed.link}};
  // Polling hints only when the feed gives them: most feeds do not.
  if (feed.ttl) head["ttl"] = feed.ttl->count();
  if (feed.update_interval) head["update_interval"] = feed.update_interval->count();
  if (!feed.hub.empty()) head["hub"] = feed.hub;
  Json doc = {
      {"encoding", feed.encoding}, {"feed", std::move(head)}, {"entries", std::move(entries)}};
  // Only recovered feeds carry the mark, so well-formed output stays as it was.
  if (!feed.bozo.empty()) {
    doc["bozo"] = true;
    doc["bozo_exception"] = feed.bozo;
  }
  return doc.dump(2, ' ', /*ensure_ascii=*/false, Json::error_handler_t::replace);
}

}  // namespace nw
