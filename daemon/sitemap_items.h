// What a poll of a `kind = "sitemap"` source takes from a sitemap: the URLs
// dated within the source's max_age as items (so a sitemap of 40,000 old URLs
// does not flood the pipeline at first sight), and, of a sitemap index, the
// children worth fetching now (their lastmod changed since the last fetch,
// and is recent enough to hold a URL within max_age). Pure functions, safe
// from any thread; the Watcher keeps the per-child memory.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "daemon/store.h"
#include "feeds/sitemap.h"

namespace nw {

struct SitemapItems {
  std::vector<Item> items;                      // keyed "link:<canonical URL>", with a digest
  std::vector<std::chrono::sys_seconds> dates;  // of the items, for adaptive polling
  std::size_t too_old = 0;                      // dated before now - max_age
  std::size_t undated = 0;                      // neither publication_date nor lastmod
};

// The URLs dated (news:publication_date, else lastmod) at or after now -
// max_age, in document order; a URL listed twice is one item.
SitemapItems sitemap_items(std::vector<SitemapUrl> urls, std::chrono::sys_seconds now,
                           std::chrono::seconds max_age);

// What the Watcher remembers of one child sitemap it fetched.
struct SitemapChildMemo {
  std::string lastmod;  // SitemapChild::lastmod_text when it was fetched
  std::string etag;     // its validators, for a conditional GET
  std::string last_modified;
};
using SitemapChildMemos = std::map<std::string, SitemapChildMemo>;  // by child URL

struct ChildrenDue {
  std::vector<SitemapChild> due;  // newest lastmod first, undated last; at most `limit`
  std::size_t unchanged = 0;      // lastmod as when last fetched
  std::size_t too_old = 0;        // lastmod before now - max_age
  std::size_t deferred = 0;       // due but over `limit`: left for the next polls
};

// Of an index's children, those to fetch: never fetched or with another
// lastmod than when fetched (a child without lastmod is always due), and not
// last modified before now - max_age.
ChildrenDue children_due(const std::vector<SitemapChild>& listed, const SitemapChildMemos& memos,
                         std::chrono::sys_seconds now, std::chrono::seconds max_age,
                         std::size_t limit);

}  // namespace nw
