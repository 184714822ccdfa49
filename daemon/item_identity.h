// How the items of one source are told apart across polls: by the feed's
// guid/id while its ids are trustworthy (present and unique), else by canonical
// link, else by a hash of title and summary. A source's identity (stored in
// SourceState) only ever degrades. Pure functions, safe from any thread.
#pragma once

#include <span>
#include <string>
#include <utility>
#include <vector>

#include "daemon/store.h"
#include "feeds/feed.h"

namespace nw {

// One key per entry, in order ("id:…", "link:…" or "hash:…"), of the best kind
// the entries allow.
std::vector<std::string> item_keys(const std::vector<FeedEntry>& entries);

// The same, for a source whose stored identity is `at_least`: never a better
// kind than that; `used` says which kind was used. The Watcher also degrades a
// source from ids to links when a majority of the entries whose links it knows
// come back under new ids (see ReissuedIds).
std::vector<std::string> item_keys(const std::vector<FeedEntry>& entries, ItemIdentity at_least,
                                   ItemIdentity& used);

// Across polls: of this poll's entries whose canonical link the source has
// recorded before, how many came back under a key never recorded with it.
struct ReissuedIds {
  int with_known_link = 0;
  int reissued = 0;
  // A majority: the feed makes up new ids for old items, so its ids cannot be trusted.
  bool majority() const { return reissued > 0 && 2 * reissued > with_known_link; }
};
// `keys[i]` and `links[i]` (canonical) are entry i's; `known` is the Store's
// (canonical link, key) pairs for those links (Store::keys_for_links).
// REQUIRES: keys.size() == links.size().
ReissuedIds reissued_ids(std::span<const std::string> keys, std::span<const std::string> links,
                         std::span<const std::pair<std::string, std::string>> known);

// "ids", "links", "content hashes": the kind of key, as the log names it.
const char* identity_name(ItemIdentity identity);

// A hash of the item's title, summary and content as the feed gave them: a
// changed digest under the same key is an edit (Item::digest).
std::string digest(const Item& item);

}  // namespace nw
