// How far a story has spread: whether a min_sources rule (filters/watchlist.h)
// may alert yet. Pure functions over the story's persisted sources
// (story_sources); any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <string>

namespace nw {

// A distinct source of a story and when its first article in the story was seen.
struct StorySource {
  std::string source_id;
  std::chrono::sys_seconds first_seen{};
};

// REQUIRES: `sources` in first-seen order (the first is the story's first
// article's). True when at least `min_sources` of them were first seen within
// `within` of the first. A source that republishes the story counts once: it
// is one row.
inline bool spread_reached(std::span<const StorySource> sources, std::uint32_t min_sources,
                           std::chrono::seconds within) {
  if (sources.empty() || min_sources == 0) return min_sources == 0;
  const auto limit = sources.front().first_seen + within;
  std::uint32_t n = 0;
  for (const StorySource& s : sources) {
    if (s.first_seen <= limit) ++n;
  }
  return n >= min_sources;
}

}  // namespace nw
