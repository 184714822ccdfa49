// Stories: articles whose texts are near-duplicates (wire copy republished
// with a new headline, a trimmed paragraph, another site's boilerplate) share a
// story id. MinHash over 5-word shingles of the normalized text
// (filters/normalize.h), LSH bands to find candidates, and an index that holds
// the articles of the last `window`, at most `max_articles` of them.
// Pure: no I/O, no clock (times are passed in). story_signature may be called
// from any thread; a StoryIndex is used by one thread at a time.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "filters/normalize.h"

namespace nw {

// Words per shingle, and the fewest words a text needs to be grouped: a
// shorter text is too short to tell a copy from a coincidence ("Photo: AFP").
inline constexpr std::size_t kShingleWords = 5;
inline constexpr std::size_t kStoryMinWords = 12;
// MinHash values per signature = bands × rows. Two texts whose estimated
// Jaccard is J become candidates with probability 1 - (1 - J^3)^20: 0.99 at
// J = 0.6, 0.93 at 0.5, 0.02 at 0.1.
inline constexpr std::size_t kStoryBands = 20;
inline constexpr std::size_t kStoryRows = 3;
inline constexpr std::size_t kStoryHashes = kStoryBands * kStoryRows;

// The MinHash values of a text's shingles under a fixed, seeded hash family:
// the same text gives the same signature on every build and machine, so
// signatures can be stored and read back.
using StorySignature = std::array<std::uint32_t, kStoryHashes>;

// The signature of a text (its words as tokenize() gives them, a seated hamza
// read as bare, so المسئولين = المسؤولين), nullopt under kStoryMinWords words.
std::optional<StorySignature> story_signature(std::string_view text);
std::optional<StorySignature> story_signature(std::span<const Token> tokens);

// The fraction of equal values: an estimate of the Jaccard similarity of the
// two texts' shingle sets (standard error about 0.06 at 60 values).
double estimated_jaccard(const StorySignature& a, const StorySignature& b);

// The id of a story that `article_key` starts: 16 hex digits of a hash of it,
// the same on every daemon.
std::string story_id(std::string_view article_key);

// Signatures as stored: kStoryHashes little-endian 32-bit values.
std::string signature_bytes(const StorySignature& sig);
std::optional<StorySignature> signature_from_bytes(std::string_view bytes);

struct StoryOptions {
  double threshold = 0.6;  // estimated Jaccard at or above which two texts are one story
  std::chrono::seconds window{72 * 3600};  // an article joins stories seen this recently
  std::size_t max_articles = 100'000;      // articles held at most (~650 bytes each, story_bench)
  // Entries looked at per band, newest first. A story copied thousands of
  // times (or texts that share most of their words) fills its buckets; without
  // a bound each new copy would be compared with all of them.
  std::size_t max_candidates_per_band = 16;
};

struct StoryAssignment {
  std::string story;
  std::uint64_t size = 1;     // articles in the story so far, this one included
  double similarity = 0;      // estimated Jaccard with `like`; 0 for a new story
  std::string like;           // the closest earlier article's key; empty for a new story
  bool known = false;         // the article key was assigned before: nothing changed
  std::size_t looked_at = 0;  // index entries examined: at most bands × max_candidates_per_band
};

class StoryIndex {
 public:
  explicit StoryIndex(StoryOptions options = {});

  // The story of an article seen at `seen`: that of the most similar article
  // held (seen within the window before it, estimated Jaccard ≥ threshold),
  // else a new story, story_id(article_key). An article without a signature
  // starts its own story and is not held. An article key assigned before keeps
  // its story and changes nothing. Older articles are dropped first when the
  // index is full or when they fall out of the window of the newest `seen`.
  StoryAssignment assign(std::string_view article_key,
                         const std::optional<StorySignature>& signature,
                         std::chrono::sys_seconds seen);

  // Puts back an article assigned before (at start-up, from the Store), in
  // the order they were seen; `story_size` is the story's size as recorded.
  void restore(std::string_view article_key, std::string_view story,
               const StorySignature& signature, std::chrono::sys_seconds seen,
               std::uint64_t story_size);

  std::size_t size() const { return entries_.size(); }
  const StoryOptions& options() const { return options_; }

 private:
  struct Entry {
    std::string key;
    std::string story;
    std::chrono::sys_seconds seen{};
    StorySignature sig{};
    // Per band, the serial + 1 of the previous entry in the same bucket (0: none).
    std::array<std::uint64_t, kStoryBands> next{};
  };
  struct Story {
    std::uint64_t size = 0;  // articles ever assigned to it
    std::size_t held = 0;    // of which the index holds
  };

  void insert(std::string_view key, std::string_view story, const StorySignature& sig,
              std::chrono::sys_seconds seen);
  void drop_oldest();
  void drop_expired(std::chrono::sys_seconds newest);
  const Entry* held(std::uint64_t serial) const;
  std::size_t bucket(const StorySignature& sig, std::size_t band) const;

  StoryOptions options_;
  // The held entries, oldest first: the newest has serial next_serial_ - 1. A
  // deque, so memory follows what the window holds and references stay put.
  std::deque<Entry> entries_;
  std::uint64_t next_serial_ = 0;
  std::size_t bucket_mask_ = 0;
  std::vector<std::uint64_t> heads_;  // per band, by band hash: the newest entry's serial + 1
  std::unordered_map<std::string_view, std::uint64_t> by_key_;  // views of Entry::key
  std::unordered_map<std::string, Story> stories_;
  std::chrono::sys_seconds newest_{};
};

}  // namespace nw
