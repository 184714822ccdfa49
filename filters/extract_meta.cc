#include "filters/extract_meta.h"

#include <algorithm>
#include <array>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "feeds/date.h"
#include "feeds/text.h"
#include "feeds/url.h"
#include "filters/boilerplate.h"

namespace nw::extract_detail {
namespace {

using html::Node;
using html::Tag;
using nlohmann::json;

bool is_article_type(const json& type) {
  static constexpr std::string_view kTypes[] = {"newsarticle",          "article",
                                                "reportagenewsarticle", "analysisnewsarticle",
                                                "opinionnewsarticle",   "backgroundnewsarticle",
                                                "reviewnewsarticle",    "blogposting",
                                                "liveblogposting",      "report",
                                                "socialmediaposting",   "scholarlyarticle"};
  auto one = [](const json& t) {
    if (!t.is_string()) return false;
    std::string s = lower_ascii(t.get<std::string>());
    if (const auto slash = s.rfind('/'); slash != std::string::npos) s.erase(0, slash + 1);
    return std::ranges::find(kTypes, s) != std::end(kTypes);
  };
  if (type.is_array()) return std::ranges::any_of(type, one);
  return one(type);
}

// A schema.org value that may be a string, an object with `key`, or a list of either.
std::string ld_text(const json& v, const char* key) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_object()) {
    const auto it = v.find(key);
    if (it != v.end() && it->is_string()) return it->get<std::string>();
  }
  if (v.is_array()) {
    std::string joined;
    for (const json& e : v) {
      const std::string s = ld_text(e, key);
      if (s.empty()) continue;
      if (!joined.empty()) joined += ", ";
      joined += s;
      if (std::string_view(key) == "url") break;  // one image is enough
    }
    return joined;
  }
  return {};
}

struct LdArticle {
  std::string headline, date, author, image, publisher, body;
};

void find_ld_article(const json& v, LdArticle& out, int depth = 0) {
  if (depth > 8 || !out.headline.empty()) return;
  if (v.is_array()) {
    for (const json& e : v) find_ld_article(e, out, depth + 1);
    return;
  }
  if (!v.is_object()) return;
  if (const auto g = v.find("@graph"); g != v.end()) find_ld_article(*g, out, depth + 1);
  const auto type = v.find("@type");
  if (type == v.end() || !is_article_type(*type)) return;
  auto field = [&](const char* name, const char* key) {
    const auto it = v.find(name);
    return it == v.end() ? std::string() : ld_text(*it, key);
  };
  out.headline = field("headline", "name");
  if (out.headline.empty()) out.headline = field("name", "name");
  out.date = field("datePublished", "@value");
  if (out.date.empty()) out.date = field("dateCreated", "@value");
  out.author = field("author", "name");
  out.image = field("image", "url");
  out.publisher = field("publisher", "name");
  out.body = field("articleBody", "@value");
}

// articleBody is plain text on most sites and HTML on some: tags go, each
// line's whitespace is collapsed, and paragraph and <br> boundaries become '\n'.
std::string plain_body(std::string_view body) {
  std::string flat;
  flat.reserve(body.size());
  for (std::size_t i = 0; i < body.size(); ++i) {
    if (body[i] != '<') {
      flat.push_back(body[i]);
      continue;
    }
    const std::size_t close = body.find('>', i);
    if (close == std::string_view::npos) break;
    const std::string tag =
        lower_ascii(body.substr(i + 1, std::min<std::size_t>(close - i - 1, 3)));
    const bool breaks = tag.starts_with("p") || tag.starts_with("/p") || tag.starts_with("br") ||
                        tag.starts_with("h") || tag.starts_with("/h") || tag.starts_with("li") ||
                        tag.starts_with("div") || tag.starts_with("/di");
    flat.push_back(breaks ? '\n' : ' ');
    i = close;
  }
  std::string out;
  std::size_t start = 0;
  while (start <= flat.size()) {
    const std::size_t nl = std::min(flat.find('\n', start), flat.size());
    const std::string line = collapse_whitespace(std::string_view(flat).substr(start, nl - start));
    if (!line.empty()) {
      if (!out.empty()) out.push_back('\n');
      out += line;
    }
    start = nl + 1;
  }
  return out;
}

// A script's JSON without the wrappers old XHTML habits put around it:
// "<![CDATA[ ... ]]>" (also behind "//") and "<!-- ... -->".
std::string unwrap_script(std::string_view text) {
  auto trim = [](std::string_view& t) {
    while (!t.empty() &&
           (t.front() == ' ' || t.front() == '\n' || t.front() == '\r' || t.front() == '\t')) {
      t.remove_prefix(1);
    }
    while (!t.empty() &&
           (t.back() == ' ' || t.back() == '\n' || t.back() == '\r' || t.back() == '\t')) {
      t.remove_suffix(1);
    }
  };
  trim(text);
  for (const auto& [open, close] :
       {std::pair<std::string_view, std::string_view>{"<![CDATA[", "]]>"}, {"<!--", "-->"}}) {
    std::string_view t = text;
    if (t.starts_with("//")) t.remove_prefix(2);
    trim(t);
    if (!t.starts_with(open)) continue;
    t.remove_prefix(open.size());
    trim(t);
    if (t.ends_with(close)) t.remove_suffix(close.size());
    trim(t);
    if (t.ends_with("//")) t.remove_suffix(2);
    text = t;
  }
  return std::string(text);
}

LdArticle read_json_ld(const html::Document& doc) {
  LdArticle found;
  for (const Node& script : doc.all(Tag::kScript)) {
    if (lower_ascii(script.attr("type")) != "application/ld+json") continue;
    std::string text = unwrap_script(script.text_content());
    // Raw control characters inside strings are common and make strict JSON fail.
    for (char& c : text) {
      if (c == '\n' || c == '\r' || c == '\t') c = ' ';
    }
    const json v = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (v.is_discarded()) continue;
    find_ld_article(v, found);
    if (!found.headline.empty() || !found.date.empty()) break;
  }
  return found;
}

std::string normalize_language(std::string_view tag) {
  std::string t = collapse_whitespace(tag);
  if (const auto comma = t.find(','); comma != std::string::npos) t.resize(comma);
  std::replace(t.begin(), t.end(), '_', '-');
  while (!t.empty() && t.back() == ' ') t.pop_back();
  const auto dash = t.find('-');
  for (std::size_t i = 0; i < t.size() && i < dash; ++i) {
    if (t[i] >= 'A' && t[i] <= 'Z') t[i] = static_cast<char>(t[i] - 'A' + 'a');
  }
  const bool ok = !t.empty() && std::ranges::all_of(t, [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
  });
  return ok ? t : std::string();
}

bool looks_like_url(std::string_view s) {
  return s.starts_with("http://") || s.starts_with("https://") || s.starts_with("//");
}

constexpr std::string_view kSeparators[] = {" | ", " - ", " – ", " — ",  " :: ", " · ",
                                            " • ", " « ", " » ", " ｜ ", " : "};

int word_count(std::string_view s) {
  const std::string f = boilerplate::fold(s);
  return f.empty() ? 0 : static_cast<int>(std::count(f.begin(), f.end(), ' ')) + 1;
}

// "www.alwasat.ly" → "alwasat"; "news.bbc.co.uk" → "bbc".
std::string host_label(std::string_view host) {
  std::vector<std::string_view> labels;
  std::size_t i = 0;
  while (i <= host.size()) {
    const std::size_t dot = std::min(host.find('.', i), host.size());
    labels.push_back(host.substr(i, dot - i));
    i = dot + 1;
  }
  static constexpr std::string_view kGeneric[] = {"www", "m",  "ar",  "en",  "fr", "news",
                                                  "com", "co", "org", "net", "gov"};
  // The longest non-generic label other than the top-level domain.
  std::string_view best;
  for (std::size_t k = 0; k + 1 < labels.size(); ++k) {
    if (std::ranges::find(kGeneric, labels[k]) != std::end(kGeneric)) continue;
    if (labels[k].size() > best.size()) best = labels[k];
  }
  return std::string(best);
}

bool names_site(std::string_view part, std::string_view site_folded, std::string_view label) {
  const std::string f = boilerplate::fold(part);
  if (f.empty()) return false;
  if (!site_folded.empty() && (f == site_folded || f.find(site_folded) != std::string::npos ||
                               site_folded.find(f) != std::string::npos)) {
    return true;
  }
  if (label.size() >= 3) {
    std::string squeezed;
    for (char c : f) {
      if (c != ' ') squeezed.push_back(c);
    }
    if (squeezed.find(label) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

std::string strip_site_name(std::string_view title_in, std::string_view site_name,
                            std::string_view host) {
  const std::string title = collapse_whitespace(title_in);
  const std::string site = boilerplate::fold(site_name);
  const std::string label = host_label(host);
  if (!site.empty() && boilerplate::fold(title) == site) return title;

  struct Cut {
    std::size_t at, len;
  };
  std::vector<Cut> cuts;
  for (std::string_view sep : kSeparators) {
    for (std::size_t at = title.find(sep); at != std::string::npos; at = title.find(sep, at + 1)) {
      cuts.push_back({at, sep.size()});
    }
  }
  std::ranges::sort(cuts, {}, &Cut::at);
  if (cuts.empty()) return title;
  auto left_of = [&](const Cut& c) { return std::string_view(title).substr(0, c.at); };
  auto right_of = [&](const Cut& c) { return std::string_view(title).substr(c.at + c.len); };

  // A named site at either end: "Title - Site" or "Site | Title".
  if (names_site(right_of(cuts.back()), site, label)) return std::string(left_of(cuts.back()));
  if (names_site(left_of(cuts.front()), site, label)) return std::string(right_of(cuts.front()));
  // Unnamed: a short end facing a clearly longer rest.
  const int right_words = word_count(right_of(cuts.back()));
  const int left_rest = word_count(left_of(cuts.back()));
  if (right_words > 0 && right_words <= 4 && left_rest >= 2 * right_words + 1) {
    return std::string(left_of(cuts.back()));
  }
  const int left_words = word_count(left_of(cuts.front()));
  const int right_rest = word_count(right_of(cuts.front()));
  if (left_words > 0 && left_words <= 4 && right_rest >= 2 * left_words + 1) {
    return std::string(right_of(cuts.front()));
  }
  return title;
}

PageMeta read_meta(const html::Document& doc, std::string_view base_url) {
  PageMeta m;
  std::string twitter_title, twitter_image, meta_date, meta_author, og_url, og_locale,
      content_language, app_name;
  static constexpr std::string_view kDateKeys[] = {"article:published_time",
                                                   "og:article:published_time",
                                                   "datepublished",
                                                   "pubdate",
                                                   "publishdate",
                                                   "publish-date",
                                                   "publish_date",
                                                   "date",
                                                   "dc.date",
                                                   "dc.date.issued",
                                                   "dcterms.created",
                                                   "dcterms.issued",
                                                   "sailthru.date",
                                                   "parsely-pub-date",
                                                   "article.published",
                                                   "og:published_time",
                                                   "published_time",
                                                   "release_date"};
  std::size_t best_date_rank = std::size(kDateKeys);

  for (const Node& meta : doc.all(Tag::kMeta)) {
    std::string key = lower_ascii(meta.attr("property"));
    if (key.empty()) key = lower_ascii(meta.attr("name"));
    if (key.empty()) key = lower_ascii(meta.attr("itemprop"));
    const std::string equiv = lower_ascii(meta.attr("http-equiv"));
    const std::string content = collapse_whitespace(meta.attr("content"));
    if (content.empty()) continue;
    if (equiv == "content-language") content_language = content;
    if (key == "og:title" && m.og_title.empty()) m.og_title = content;
    if (key == "twitter:title" && twitter_title.empty()) twitter_title = content;
    if (key == "og:site_name" && m.site_name.empty()) m.site_name = content;
    if (key == "application-name" && app_name.empty()) app_name = content;
    if (key == "og:image" && m.image.empty()) m.image = content;
    if ((key == "twitter:image" || key == "twitter:image:src") && twitter_image.empty()) {
      twitter_image = content;
    }
    if (key == "og:url" && og_url.empty()) og_url = content;
    if (key == "og:locale" && og_locale.empty()) og_locale = content;
    if ((key == "author" || key == "article:author" || key == "dc.creator" ||
         key == "sailthru.author" || key == "parsely-author") &&
        meta_author.empty() && !looks_like_url(content)) {
      meta_author = content;
    }
    const auto rank =
        static_cast<std::size_t>(std::ranges::find(kDateKeys, key) - std::begin(kDateKeys));
    if (rank < best_date_rank && parse_date(content)) {
      best_date_rank = rank;
      meta_date = content;
    }
  }
  if (m.og_title.empty()) m.og_title = twitter_title;
  if (m.site_name.empty()) m.site_name = app_name;
  if (m.image.empty()) m.image = twitter_image;

  if (const Node title = doc.first(Tag::kTitle)) {
    m.html_title = collapse_whitespace(title.text_content());
  }

  const LdArticle ld = read_json_ld(doc);
  m.ld_headline = collapse_whitespace(ld.headline);
  m.ld_body = plain_body(ld.body);
  if (m.site_name.empty()) m.site_name = collapse_whitespace(ld.publisher);
  if (!ld.image.empty()) m.image = ld.image;
  m.author = collapse_whitespace(!ld.author.empty() ? ld.author : meta_author);
  if (auto t = parse_date(ld.date)) {
    m.published = t;
  } else if (auto mt = parse_date(meta_date)) {
    m.published = mt;
  }
  if (m.author.empty()) {
    for (const Node& a : doc.all(Tag::kA)) {
      if (lower_ascii(a.attr("rel")) == "author") {
        m.author = collapse_whitespace(a.text_content());
        if (!m.author.empty()) break;
      }
    }
  }

  if (const Node h = doc.first(Tag::kHtml)) m.language = normalize_language(h.attr("lang"));
  if (m.language.empty()) m.language = normalize_language(content_language);
  if (m.language.empty()) m.language = normalize_language(og_locale);

  for (const Node& link : doc.all(Tag::kLink)) {
    std::string rel = lower_ascii(link.attr("rel"));
    if (rel == "canonical" && !link.attr("href").empty()) {
      m.canonical = resolve_url(base_url, link.attr("href"));
      if (!m.canonical.empty()) break;
    }
  }
  if (m.canonical.empty() && !og_url.empty()) m.canonical = resolve_url(base_url, og_url);
  if (!m.image.empty()) m.image = resolve_url(base_url, m.image);
  return m;
}

}  // namespace nw::extract_detail
