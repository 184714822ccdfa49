// Item identity: keys by id, link or hash; reissued ids across polls; digests.
#include "daemon/item_identity.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace nw {
namespace {

TEST(ItemKeys, UsesIdsWhenUniqueElseLinksElseHashes) {
  std::vector<FeedEntry> e(2);
  e[0].id = "1";
  e[0].link = "http://x.test/a?utm_source=rss";
  e[1].id = "2";
  e[1].link = "http://x.test/b";
  EXPECT_EQ(item_keys(e), (std::vector<std::string>{"id:1", "id:2"}));
  e[1].id = "1";  // repeated ids: not trustworthy
  EXPECT_EQ(item_keys(e),
            (std::vector<std::string>{"link:http://x.test/a", "link:http://x.test/b"}));
  e[1].link = "http://X.test/a#frag";  // same article twice: links not trustworthy either
  auto keys = item_keys(e);
  EXPECT_TRUE(keys[0].starts_with("hash:"));
}

TEST(ItemKeys, NeverBetterThanTheSourcesStoredIdentity) {
  std::vector<FeedEntry> e(2);
  e[0].id = "1";
  e[0].link = "http://x.test/a";
  e[1].id = "2";
  e[1].link = "http://x.test/b";
  ItemIdentity used;
  EXPECT_EQ(item_keys(e, ItemIdentity::kId, used), (std::vector<std::string>{"id:1", "id:2"}));
  EXPECT_EQ(used, ItemIdentity::kId);
  EXPECT_EQ(item_keys(e, ItemIdentity::kLink, used),
            (std::vector<std::string>{"link:http://x.test/a", "link:http://x.test/b"}));
  EXPECT_EQ(used, ItemIdentity::kLink);
  EXPECT_TRUE(item_keys(e, ItemIdentity::kHash, used)[0].starts_with("hash:"));
  EXPECT_EQ(used, ItemIdentity::kHash);
  EXPECT_TRUE(item_keys({}, ItemIdentity::kId, used).empty());
  EXPECT_EQ(used, ItemIdentity::kId);
}

TEST(ReissuedIds, AMajorityOfKnownLinksUnderNewKeys) {
  using Known = std::vector<std::pair<std::string, std::string>>;
  struct Case {
    const char* name;
    std::vector<std::string> keys;  // this poll's, one per link a..c
    Known known;                    // recorded before
    int with_known_link;
    int reissued;
    bool majority;
  };
  const std::vector<std::string> links = {"http://x.test/a", "http://x.test/b", "http://x.test/c"};
  const Case cases[] = {
      {"nothing known", {"id:1", "id:2", "id:3"}, {}, 0, 0, false},
      {"same ids",
       {"id:1", "id:2", "id:3"},
       {{"http://x.test/a", "id:1"}, {"http://x.test/b", "id:2"}},
       2,
       0,
       false},
      {"one of three",
       {"id:1", "id:2", "id:9"},
       {{"http://x.test/a", "id:1"}, {"http://x.test/b", "id:2"}, {"http://x.test/c", "id:3"}},
       3,
       1,
       false},
      {"half is no majority",
       {"id:8", "id:2"},
       {{"http://x.test/a", "id:1"}, {"http://x.test/b", "id:2"}},
       2,
       1,
       false},
      {"two of three",
       {"id:7", "id:8", "id:3"},
       {{"http://x.test/a", "id:1"}, {"http://x.test/b", "id:2"}, {"http://x.test/c", "id:3"}},
       3,
       2,
       true},
      {"a link known under two keys",
       {"id:2"},
       {{"http://x.test/a", "id:1"}, {"http://x.test/a", "id:2"}},
       1,
       0,
       false},
  };
  for (const Case& c : cases) {
    const std::span<const std::string> ls(links.data(), c.keys.size());
    const ReissuedIds r = reissued_ids(c.keys, ls, c.known);
    EXPECT_EQ(r.with_known_link, c.with_known_link) << c.name;
    EXPECT_EQ(r.reissued, c.reissued) << c.name;
    EXPECT_EQ(r.majority(), c.majority) << c.name;
  }
}

TEST(Digest, ChangesWithTheFeedsWordsAndKeepsFieldsApart) {
  const Item item{.key = "id:1", .link = "http://x.test/a", .title = "T", .summary = "S"};
  Item same = item;
  same.key = "id:2";
  same.link = "http://x.test/b";
  same.attempts = 2;
  EXPECT_EQ(digest(item), digest(same));  // only the feed's words count
  EXPECT_EQ(digest(item).size(), 16u);
  for (auto edit : {&Item::title, &Item::summary, &Item::content}) {
    Item edited = item;
    edited.*edit += "!";
    EXPECT_NE(digest(edited), digest(item));
  }
  EXPECT_NE(digest(Item{.title = "ab"}), digest(Item{.title = "a", .summary = "b"}));
}

}  // namespace
}  // namespace nw
