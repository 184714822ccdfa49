#include "daemon/item_identity.h"

#include <cstdint>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "feeds/text.h"
#include "feeds/url.h"

namespace nw {

std::vector<std::string> item_keys(const std::vector<FeedEntry>& entries) {
  ItemIdentity used;
  return item_keys(entries, ItemIdentity::kId, used);
}

std::vector<std::string> item_keys(const std::vector<FeedEntry>& entries, ItemIdentity at_least,
                                   ItemIdentity& used) {
  std::unordered_set<std::string_view> ids;
  bool ids_ok = at_least == ItemIdentity::kId;
  for (const auto& e : entries) {
    if (!ids_ok) break;
    if (e.id.empty() || !ids.insert(e.id).second) {
      ids_ok = false;
      break;
    }
  }
  std::unordered_set<std::string> links;
  bool links_ok = at_least != ItemIdentity::kHash;
  for (const auto& e : entries) {
    if (!links_ok) break;
    const std::string c = canonical_url(e.link);
    if (c.empty() || !links.insert(c).second) {
      links_ok = false;
      break;
    }
  }
  used = ids_ok ? ItemIdentity::kId : links_ok ? ItemIdentity::kLink : ItemIdentity::kHash;
  std::vector<std::string> keys;
  keys.reserve(entries.size());
  for (const auto& e : entries) {
    if (ids_ok) {
      keys.push_back("id:" + e.id);
    } else if (links_ok) {
      keys.push_back("link:" + canonical_url(e.link));
    } else {
      keys.push_back("hash:" + fnv1a64_hex({e.title, e.summary.empty() ? e.content : e.summary}));
    }
  }
  return keys;
}

ReissuedIds reissued_ids(std::span<const std::string> keys, std::span<const std::string> links,
                         std::span<const std::pair<std::string, std::string>> known) {
  std::unordered_map<std::string_view, std::unordered_set<std::string_view>> by_link;
  for (const auto& [link, key] : known) by_link[link].insert(key);
  ReissuedIds out;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    auto it = by_link.find(links[i]);
    if (it == by_link.end()) continue;
    ++out.with_known_link;
    out.reissued += !it->second.contains(keys[i]);
  }
  return out;
}

const char* identity_name(ItemIdentity identity) {
  switch (identity) {
    case ItemIdentity::kId:
      return "ids";
    case ItemIdentity::kLink:
      return "links";
    case ItemIdentity::kHash:
      return "content hashes";
  }
  return "?";
}

std::string digest(const Item& item) {
  return fnv1a64_hex({item.title, item.summary, item.content});
}

}  // namespace nw
