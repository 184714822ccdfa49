// Fuzz target for the robots.txt parser and matcher (feeds/robots.h): any bytes
// are parsed as a robots.txt, then a few crawlers ask about a few paths, and
// every rule is matched against a path taken from the input itself. Must never
// crash, hang or leak; /robots.txt must always be allowed.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "feeds/robots.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const nw::Robots robots = nw::parse_robots(text);
  // A path from the input's last line, so the matcher meets what the rules hold.
  std::string_view tail = text.substr(text.size() > 256 ? text.size() - 256 : 0);
  if (const auto nl = tail.rfind('\n'); nl != std::string_view::npos) tail.remove_prefix(nl + 1);
  const std::string path = "/" + std::string(tail);
  for (const char* agent : {"newswatch", "*", "", "foobot"}) {
    for (const std::string& p : {std::string("/"), std::string("/a/b.gif?x=1"), path}) {
      (void)nw::robots_allowed(robots, agent, p);
    }
    if (!nw::robots_allowed(robots, agent, "/robots.txt")) std::abort();
    (void)nw::robots_rules_for(robots, agent).crawl_delay;
  }
  for (const nw::RobotsGroup& g : robots.groups) {
    for (const nw::RobotsRule& r : g.rules) {
      if (r.pattern.empty()) std::abort();  // empty values make no rule
      (void)nw::robots_match(r.pattern, path);
    }
  }
  (void)nw::robots_allows_url(robots, "newswatch", "https://example.com" + path);
  return 0;
}
