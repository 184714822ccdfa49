#include "feeds/sitemap.h"

#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>
#include <pugixml.hpp>
#include <utility>

#include "feeds/charset.h"
#include "feeds/date.h"
#include "feeds/gzip.h"
#include "feeds/text.h"
#include "feeds/url.h"
#include "feeds/xml_repair.h"

namespace nw {
namespace {

// The vocabularies a sitemap reader cares about; everything else (image:,
// video:, xhtml:link, ...) is kOther and skipped.
enum class SNs { kNone, kSitemap, kNews, kOther };

SNs classify(std::string_view uri) {
  if (uri.empty()) return SNs::kNone;
  if (uri.find("/schemas/sitemap-news/") != std::string_view::npos) return SNs::kNews;
  // sitemaps.org 0.9, and Google's 0.84 that came before it.
  if (uri.find("sitemaps.org/schemas/sitemap/") != std::string_view::npos ||
      uri.find("google.com/schemas/sitemap/") != std::string_view::npos) {
    return SNs::kSitemap;
  }
  return SNs::kOther;
}

struct QName {
  SNs ns;
  std::string_view local;
};

// The namespace of an element, from the xmlns declarations of it and its
// ancestors. An undeclared "news:" prefix is taken as Google News' (sites
// forget the declaration); other undeclared prefixes are foreign.
QName qname(pugi::xml_node n) {
  const std::string_view name = n.name();
  const size_t colon = name.find(':');
  const std::string_view prefix = colon == std::string_view::npos ? "" : name.substr(0, colon);
  const std::string_view local = colon == std::string_view::npos ? name : name.substr(colon + 1);
  const std::string attr = prefix.empty() ? "xmlns" : "xmlns:" + std::string(prefix);
  for (pugi::xml_node a = n; a; a = a.parent()) {
    if (a.type() != pugi::node_element) break;
    if (pugi::xml_attribute decl = a.attribute(attr.c_str()))
      return {classify(decl.value()), local};
  }
  if (prefix.empty()) return {SNs::kNone, local};
  return {prefix == "news" ? SNs::kNews : SNs::kOther, local};
}

// A sitemap element: in the sitemap namespace, or in none (sites leave out
// the xmlns of <urlset> as often as not).
bool is_sitemap(const QName& q, std::string_view local) {
  return (q.ns == SNs::kSitemap || q.ns == SNs::kNone) && q.local == local;
}

std::string text_of(pugi::xml_node n) { return std::string(trim(n.text().get())); }

std::string bozo_at(std::string_view text, size_t offset, std::string_view what) {
  const auto [line, column] = line_and_column(text, offset);
  return "XML line " + std::to_string(line) + ", column " + std::to_string(column) + ": " +
         std::string(what);
}

Error parse_error_at(std::string_view text, size_t offset, std::string_view what) {
  const auto [line, column] = line_and_column(text, offset);
  return Error{Errc::kParse, "sitemap XML, line " + std::to_string(line) + ", column " +
                                 std::to_string(column) + ": " + std::string(what)};
}

std::string absolute_loc(std::string_view base, std::string_view loc) {
  loc = trim(loc);
  if (loc.empty()) return {};
  return resolve_url(base, loc);
}

void read_news(pugi::xml_node news, SitemapUrl& url) {
  for (pugi::xml_node c = news.first_child(); c; c = c.next_sibling()) {
    if (c.type() != pugi::node_element) continue;
    const QName q = qname(c);
    if (q.ns != SNs::kNews) continue;
    if (q.local == "publication_date") {
      url.published = parse_date(text_of(c));
    } else if (q.local == "title") {
      url.title = collapse_whitespace(c.text().get());
    } else if (q.local == "publication") {
      for (pugi::xml_node p = c.first_child(); p; p = p.next_sibling()) {
        if (p.type() != pugi::node_element) continue;
        const QName pq = qname(p);
        if (pq.ns != SNs::kNews) continue;
        if (pq.local == "name") url.publication = collapse_whitespace(p.text().get());
        if (pq.local == "language") url.language = lower_ascii(text_of(p));
      }
    }
  }
}

// Reads the entries of a <urlset> or <sitemapindex>; what has no usable <loc> is
// skipped. Returns the element of the last entry kept (null when none was).
pugi::xml_node walk(pugi::xml_node root, bool index, std::string_view base, Sitemap& out) {
  pugi::xml_node last;
  std::size_t no_loc = 0;
  const std::string_view entry = index ? "sitemap" : "url";
  for (pugi::xml_node e = root.first_child(); e; e = e.next_sibling()) {
    if (e.type() != pugi::node_element || !is_sitemap(qname(e), entry)) continue;
    if (out.urls.size() + out.children.size() >= kSitemapMaxEntries) {
      ++out.dropped;
      continue;
    }
    std::string loc;
    std::string lastmod;
    SitemapUrl url;
    for (pugi::xml_node c = e.first_child(); c; c = c.next_sibling()) {
      if (c.type() != pugi::node_element) continue;
      const QName q = qname(c);
      if (is_sitemap(q, "loc")) {
        loc = absolute_loc(base, c.text().get());
      } else if (is_sitemap(q, "lastmod")) {
        lastmod = text_of(c);
      } else if (!index && q.ns == SNs::kNews && q.local == "news") {
        read_news(c, url);
      }
    }
    if (loc.empty()) {
      ++no_loc;
      continue;
    }
    const std::optional<std::chrono::sys_seconds> when =
        lastmod.empty() ? std::nullopt : parse_date(lastmod);
    if (index) {
      out.children.push_back(
          SitemapChild{.loc = std::move(loc), .lastmod = when, .lastmod_text = std::move(lastmod)});
    } else {
      url.loc = std::move(loc);
      url.lastmod = when;
      out.urls.push_back(std::move(url));
    }
    last = e;
  }
  if (no_loc > 0) {
    out.warnings.push_back(std::to_string(no_loc) + " <" + std::string(entry) +
                           "> without a usable http(s) <loc> skipped");
  }
  if (out.dropped > 0) {
    out.warnings.push_back("more than the Sitemaps protocol's " +
                           std::to_string(kSitemapMaxEntries) + " entries: the first " +
                           std::to_string(kSitemapMaxEntries) + " were read, " +
                           std::to_string(out.dropped) + " dropped");
  }
  return last;
}

}  // namespace

Result<Sitemap> parse_sitemap(std::string_view bytes, const SitemapParseOptions& options) {
  Sitemap out;
  std::string inflated;
  if (is_gzip(bytes)) {
    auto data = gunzip(bytes, kSitemapMaxBytes);
    if (!data) {
      if (data.error().code == Errc::kTooLarge) {
        return fail(Errc::kTooLarge,
                    "sitemap larger than the Sitemaps protocol's 50 MB uncompressed (" +
                        std::to_string(kSitemapMaxBytes) + " bytes) once inflated");
      }
      return fail(Errc::kParse, "sitemap: " + data.error().message);
    }
    inflated = std::move(*data);
    bytes = inflated;
    out.gzip = true;
  }
  if (bytes.size() > kSitemapMaxBytes) {
    return fail(Errc::kTooLarge, "sitemap of " + std::to_string(bytes.size()) +
                                     " bytes, over the Sitemaps protocol's 50 MB (" +
                                     std::to_string(kSitemapMaxBytes) + " bytes) uncompressed");
  }
  Decoded decoded = decode_to_utf8(bytes, options.content_type, DocType::kXml);
  if (!decoded.repaired.empty()) out.bozo = "charset: " + decoded.repaired;
  if (decoded.text.find_first_not_of(" \t\r\n") == std::string::npos)
    return fail(Errc::kParse, "sitemap XML, line 1, column 1: empty document");
  RepairedXml xml = repair_xml(std::move(decoded.text));
  for (std::string& w : xml.warnings) out.warnings.push_back(std::move(w));
  const auto decoded_again = [&] {
    return decode_to_utf8(bytes, options.content_type, DocType::kXml).text;
  };
  if (xml.ill_formed) {
    out.bozo =
        bozo_at(decoded_again(), xml.ill_formed->first, xml.ill_formed->second + " (recovered)");
  }
  // As in parse_feed: in-place parsing overwrites the buffer's last byte.
  if (!xml.text.empty() && std::strchr(" \t\r\n>", xml.text.back()) == nullptr) {
    xml.text.push_back('\n');
  }
  pugi::xml_document doc;
  const pugi::xml_parse_result parsed = doc.load_buffer_inplace(
      xml.text.data(), xml.text.size(), pugi::parse_default, pugi::encoding_utf8);
  const auto where = [&](ptrdiff_t repaired_offset) {
    return xml.input_offset(static_cast<size_t>(std::max<ptrdiff_t>(repaired_offset, 0)));
  };
  pugi::xml_node root = doc.document_element();
  const QName name = root ? qname(root) : QName{SNs::kNone, {}};
  const bool urlset = is_sitemap(name, "urlset");
  out.index = is_sitemap(name, "sitemapindex");
  if (!urlset && !out.index) {
    if (!root)
      return std::unexpected(parse_error_at(decoded_again(), where(0), "no XML element found"));
    if (!parsed) {
      return std::unexpected(
          parse_error_at(decoded_again(), where(parsed.offset), parsed.description()));
    }
    return std::unexpected(parse_error_at(
        decoded_again(), where(root.offset_debug() - 1),
        "<" + std::string(root.name()) + "> is not a sitemap (<urlset> or <sitemapindex>)"));
  }
  const pugi::xml_node last = walk(root, out.index, options.url, out);
  if (!parsed) {
    // A sitemap cut off midway keeps the entries before the cut, like a feed,
    // but not the one the cut fell in: its <loc> may be half a URL.
    const std::string original = decoded_again();
    const size_t cut = where(parsed.offset);
    const size_t start = last ? where(last.offset_debug() - 1) : cut;
    if (last && start < cut &&
        std::string_view(original)
                .substr(start, cut - start)
                .find("</" + std::string(last.name())) == std::string_view::npos) {
      if (out.index) {
        out.children.pop_back();
      } else {
        out.urls.pop_back();
      }
    }
    if (out.urls.empty() && out.children.empty()) {
      return std::unexpected(parse_error_at(original, where(parsed.offset), parsed.description()));
    }
    out.bozo = bozo_at(original, where(parsed.offset),
                       std::string(parsed.description()) + "; kept what came before it");
  }
  return out;
}

std::string sitemap_to_json(const Sitemap& sitemap) {
  using Json = nlohmann::ordered_json;
  auto date = [](const std::optional<std::chrono::sys_seconds>& d) -> Json {
    return d ? Json(format_iso8601(*d)) : Json(nullptr);
  };
  Json urls = Json::array();
  for (const SitemapUrl& u : sitemap.urls) {
    Json url = {{"loc", u.loc}, {"lastmod", date(u.lastmod)}};
    if (u.published || !u.title.empty() || !u.language.empty() || !u.publication.empty()) {
      url["news"] = {{"publication_date", date(u.published)},
                     {"title", u.title},
                     {"language", u.language},
                     {"publication", u.publication}};
    }
    urls.push_back(std::move(url));
  }
  Json children = Json::array();
  for (const SitemapChild& c : sitemap.children) {
    children.push_back({{"loc", c.loc}, {"lastmod", date(c.lastmod)}});
  }
  Json doc = {{"index", sitemap.index},
              {"gzip", sitemap.gzip},
              {"urls", std::move(urls)},
              {"sitemaps", std::move(children)},
              {"dropped", sitemap.dropped}};
  if (!sitemap.bozo.empty()) {
    doc["bozo"] = true;
    doc["bozo_exception"] = sitemap.bozo;
  }
  return doc.dump(2, ' ', /*ensure_ascii=*/false, Json::error_handler_t::replace);
}

}  // namespace nw
