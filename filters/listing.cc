#include "filters/listing.h"

#include <algorithm>
#include <cctype>
#include <unordered_set>

#include "feeds/text.h"
#include "feeds/url.h"
#include "filters/boilerplate.h"
#include "filters/html.h"

namespace nw {
namespace {

using html::Node;
using html::Tag;
namespace bp = boilerplate;

std::string without_www(std::string host) {
  if (host.starts_with("www.")) host.erase(0, 4);
  return host;
}

std::string without_fragment(std::string url) {
  if (const auto hash = url.find('#'); hash != std::string::npos) url.resize(hash);
  return url;
}

// Path and query of an absolute URL ("" path is "/").
void split_url(std::string_view url, std::string_view& path, std::string_view& query) {
  const auto scheme = url.find("://");
  const auto slash = url.find('/', scheme == std::string_view::npos ? 0 : scheme + 3);
  std::string_view rest = slash == std::string_view::npos ? "/" : url.substr(slash);
  const auto q = rest.find('?');
  path = rest.substr(0, q);
  query = q == std::string_view::npos ? std::string_view() : rest.substr(q + 1);
}

template <class F>
void for_each_part(std::string_view s, char sep, F&& f) {
  std::size_t i = 0;
  while (i <= s.size()) {
    const std::size_t j = std::min(s.find(sep, i), s.size());
    if (j > i) f(s.substr(i, j - i));
    i = j + 1;
  }
}

bool non_article_url(std::string_view path, std::string_view query) {
  bool bad = false;
  for_each_part(path, '/', [&](std::string_view seg) {
    bad |= bp::is_non_article_path_word(lower_ascii(seg));
  });
  for_each_part(query, '&', [&](std::string_view kv) {
    const std::string key = lower_ascii(kv.substr(0, kv.find('=')));
    bad |= key == "s" || key == "q" || key == "replytocom" || key == "share" ||
           bp::is_non_article_path_word(key);
  });
  return bad;
}

// How much a URL looks like an article's: a long slug, a number of four or
// more digits (an id or a year), a date path, an .html page.
int article_url_score(std::string_view path, std::string_view query) {
  int score = 0;
  bool slug = false, number = false;
  int segments = 0;
  for_each_part(path, '/', [&](std::string_view seg) {
    ++segments;
    if (std::count(seg.begin(), seg.end(), '-') + std::count(seg.begin(), seg.end(), '_') >= 2 ||
        seg.size() >= 40) {
      slug = true;
    }
  });
  int run = 0;
  for (const char c : std::string(path) + "?" + std::string(query)) {
    run = std::isdigit(static_cast<unsigned char>(c)) ? run + 1 : 0;
    number |= run >= 4;
  }
  const std::string lower = lower_ascii(path);
  const bool page =
      lower.ends_with(".html") || lower.ends_with(".htm") || lower.ends_with(".shtml") ||
      ((lower.ends_with(".php") || lower.ends_with(".asp") || lower.ends_with(".aspx")) && number);
  score += slug + number + page;
  // The home page, unless an id rides in the query ("/?p=18211").
  if (segments == 0) return number ? 1 : 0;
  return score;
}

int headline_words(std::string_view text) {
  const std::string f = bp::fold(text);
  return f.empty() ? 0 : static_cast<int>(std::count(f.begin(), f.end(), ' ')) + 1;
}

bool skipped_tag(Tag t) {
  return t == Tag::kNav || t == Tag::kHeader || t == Tag::kFooter || t == Tag::kAside ||
         t == Tag::kMenu || t == Tag::kForm || t == Tag::kDialog || t == Tag::kHead ||
         t == Tag::kScript || t == Tag::kTemplate || t == Tag::kNoscript;
}

bool skipped_region(const Node& n, std::size_t links_inside, std::size_t links_total) {
  if (skipped_tag(n.tag())) return true;
  static constexpr std::string_view kRoles[] = {"navigation",    "banner", "contentinfo",
                                                "complementary", "search", "menu",
                                                "menubar",       "dialog"};
  if (std::ranges::find(kRoles, lower_ascii(n.attr("role"))) != std::end(kRoles)) return true;
  if (n.tag() == Tag::kBody || n.tag() == Tag::kMain || n.tag() == Tag::kArticle) return false;
  switch (bp::classify_class(n.attr("class"), n.attr("id"))) {
    case bp::Vocab::kStrong:
      return true;
    case bp::Vocab::kWeak:
      return links_inside * 2 < links_total;  // "has-sidebar" wrappers stay
    case bp::Vocab::kNone:
      return false;
  }
  return false;
}

}  // namespace

std::vector<ListingLink> find_article_links(std::string_view html_text, std::string_view page_url) {
  std::vector<ListingLink> out;
  const auto doc = html::parse(html_text, {.skip_script_text = true});
  if (!doc) return out;
  const std::string page_host = without_www(url_host(page_url));
  const std::string page_canonical = without_fragment(canonical_url(page_url));
  if (page_host.empty()) return out;
  std::string base(page_url);
  // <base href> is rare but changes every relative link.
  for (const Node& b : doc->all(Tag::kOther)) {
    if (b.name() == "base" && !b.attr("href").empty()) {
      if (std::string r = resolve_url(page_url, b.attr("href")); !r.empty()) base = r;
      break;
    }
  }

  // Links per subtree, for judging whether a weakly-named wrapper is the page body.
  std::vector<std::uint32_t> links(doc->size() + 1, 0);
  for (std::uint32_t i = 0; i < doc->size(); ++i) {
    links[i + 1] = links[i] + (doc->node(i).tag() == Tag::kA ? 1 : 0);
  }
  const std::size_t total = links[doc->size()];

  std::unordered_set<std::string> seen;
  for (Node n = doc->root(); n;) {
    if (n.is_element() && skipped_region(n, links[n.end()] - links[n.id()], total)) {
      n = n.after();
      continue;
    }
    if (n.tag() != Tag::kA) {
      n = n.following();
      continue;
    }
    const Node a = n;
    n = n.after();
    const std::string_view href = a.attr("href");
    const std::string href_lower = lower_ascii(collapse_whitespace(href));
    if (href_lower.empty() || href_lower.starts_with('#') ||
        href_lower.starts_with("javascript:") || href_lower.starts_with("mailto:")) {
      continue;
    }
    const std::string url = without_fragment(resolve_url(base, href));
    if (url.empty() || without_www(url_host(url)) != page_host) continue;
    if (without_fragment(canonical_url(url)) == page_canonical) continue;
    std::string_view path, query;
    split_url(url, path, query);
    if (non_article_url(path, query) || article_url_score(path, query) == 0) continue;

    std::string title = collapse_whitespace(a.text_content());
    if (title.empty()) title = collapse_whitespace(a.attr("title"));
    if (title.empty()) continue;  // an image-only link; its headline link follows
    if (headline_words(title) < 3 || bp::classify_text(title) != bp::Cue::kNone) continue;
    if (!seen.insert(canonical_url(url)).second) continue;
    out.push_back({url, std::move(title)});
  }
  return out;
}

}  // namespace nw
