// daemon/story_spread.h: when a min_sources rule's story has spread far enough.
#include "daemon/story_spread.h"

#include <gtest/gtest.h>

#include <vector>

namespace nw {
namespace {

using namespace std::chrono_literals;
using std::chrono::sys_seconds;

const sys_seconds kFirst{1591175700s};

struct Case {
  const char* name;
  std::vector<std::chrono::seconds> first_seen;  // after kFirst, one per distinct source
  std::uint32_t min_sources;
  std::chrono::seconds within;
  bool reached;
};

TEST(SpreadReached, Table) {
  const Case cases[] = {
      {"no sources", {}, 3, 6h, false},
      {"one source", {0s}, 2, 6h, false},
      {"two of three", {0s, 1h}, 3, 6h, false},
      {"three at once", {0s, 0s, 0s}, 3, 6h, true},
      {"third at the window's edge", {0s, 1h, 6h}, 3, 6h, true},
      {"third a second late", {0s, 1h, 6h + 1s}, 3, 6h, false},
      {"late ones do not count, enough early ones do", {0s, 1h, 9h, 2h}, 3, 6h, true},
      {"four of four", {0s, 1h, 2h, 3h}, 4, 6h, true},
      {"no threshold", {}, 0, 0s, true},
  };
  for (const Case& c : cases) {
    std::vector<StorySource> sources;
    int i = 0;
    for (auto at : c.first_seen) sources.push_back({"s" + std::to_string(i++), kFirst + at});
    EXPECT_EQ(spread_reached(sources, c.min_sources, c.within), c.reached) << c.name;
  }
}

}  // namespace
}  // namespace nw
