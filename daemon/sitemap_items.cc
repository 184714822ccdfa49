#include "daemon/sitemap_items.h"

#include <algorithm>
#include <unordered_set>
#include <utility>

#include "daemon/item_identity.h"
#include "feeds/url.h"

namespace nw {

SitemapItems sitemap_items(std::vector<SitemapUrl> urls, std::chrono::sys_seconds now,
                           std::chrono::seconds max_age) {
  SitemapItems out;
  const std::chrono::sys_seconds oldest = now - max_age;
  std::unordered_set<std::string> seen;
  for (SitemapUrl& u : urls) {
    const auto when = u.published ? u.published : u.lastmod;
    if (!when) {
      ++out.undated;
      continue;
    }
    if (*when < oldest) {
      ++out.too_old;
      continue;
    }
    std::string canonical = canonical_url(u.loc);
    if (canonical.empty() || !seen.insert(canonical).second) continue;
    out.dates.push_back(*when);
    Item& item = out.items.emplace_back(Item{.key = "link:" + canonical,
                                             .link = std::move(u.loc),
                                             .title = std::move(u.title),
                                             .published = when,
                                             .canonical_link = std::move(canonical),
                                             .language = std::move(u.language)});
    item.digest = digest(item);
  }
  return out;
}

ChildrenDue children_due(const std::vector<SitemapChild>& listed, const SitemapChildMemos& memos,
                         std::chrono::sys_seconds now, std::chrono::seconds max_age,
                         std::size_t limit) {
  ChildrenDue out;
  const std::chrono::sys_seconds oldest = now - max_age;
  std::unordered_set<std::string_view> taken;
  for (const SitemapChild& c : listed) {
    if (c.lastmod && *c.lastmod < oldest) {
      ++out.too_old;
      continue;
    }
    auto memo = memos.find(c.loc);
    if (memo != memos.end() && !c.lastmod_text.empty() && memo->second.lastmod == c.lastmod_text) {
      ++out.unchanged;
      continue;
    }
    if (taken.insert(c.loc).second) out.due.push_back(c);
  }
  std::stable_sort(out.due.begin(), out.due.end(),
                   [](const SitemapChild& a, const SitemapChild& b) {
                     if (a.lastmod.has_value() != b.lastmod.has_value())
                       return a.lastmod.has_value();
                     return a.lastmod && *a.lastmod > *b.lastmod;
                   });
  if (out.due.size() > limit) {
    out.deferred = out.due.size() - limit;
    out.due.resize(limit);
  }
  return out;
}

}  // namespace nw
