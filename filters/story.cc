#include "filters/story.h"

#include <algorithm>
#include <bit>
#include <limits>

#include "feeds/text.h"

namespace nw {
namespace {

// splitmix64's finalizer: a bijection that spreads every input bit.
constexpr std::uint64_t mix64(std::uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

// The hash family: h_i(s) = high 32 bits of (a_i * s + b_i), a_i odd, over the
// mixed 64-bit shingle hash s (multiply-shift hashing). The constants come
// from splitmix64 with a fixed seed, so they never change.
struct Family {
  std::array<std::uint64_t, kStoryHashes> a{};
  std::array<std::uint64_t, kStoryHashes> b{};
};
constexpr Family make_family() {
  Family f;
  std::uint64_t state = 0x6e65777377617463ULL;  // "newswatc"
  for (std::size_t i = 0; i < kStoryHashes; ++i) {
    state += 0x9e3779b97f4a7c15ULL;
    f.a[i] = mix64(state) | 1;
    state += 0x9e3779b97f4a7c15ULL;
    f.b[i] = mix64(state);
  }
  return f;
}
constexpr Family kFamily = make_family();

std::uint64_t word_hash(const Token& t) {
  const std::string& w = t.alt_key.empty() ? t.key : t.alt_key;
  return fnv1a64({w});
}

std::uint64_t band_hash(const StorySignature& sig, std::size_t band) {
  std::uint64_t h = mix64(band + 1);
  for (std::size_t r = 0; r < kStoryRows; ++r) h = mix64(h ^ sig[band * kStoryRows + r]);
  return h;
}

bool same_band(const StorySignature& a, const StorySignature& b, std::size_t band) {
  for (std::size_t r = 0; r < kStoryRows; ++r) {
    if (a[band * kStoryRows + r] != b[band * kStoryRows + r]) return false;
  }
  return true;
}

}  // namespace

std::optional<StorySignature> story_signature(std::span<const Token> tokens) {
  if (tokens.size() < kStoryMinWords) return std::nullopt;
  std::vector<std::uint64_t> words(tokens.size());
  for (std::size_t i = 0; i < tokens.size(); ++i) words[i] = word_hash(tokens[i]);
  StorySignature sig;
  sig.fill(std::numeric_limits<std::uint32_t>::max());
  for (std::size_t i = 0; i + kShingleWords <= words.size(); ++i) {
    std::uint64_t s = 0;
    for (std::size_t k = 0; k < kShingleWords; ++k) s = mix64(s ^ words[i + k]);
    for (std::size_t h = 0; h < kStoryHashes; ++h) {
      const auto v = static_cast<std::uint32_t>((kFamily.a[h] * s + kFamily.b[h]) >> 32);
      sig[h] = std::min(sig[h], v);
    }
  }
  return sig;
}

std::optional<StorySignature> story_signature(std::string_view text) {
  return story_signature(tokenize(text));
}

double estimated_jaccard(const StorySignature& a, const StorySignature& b) {
  std::size_t same = 0;
  for (std::size_t i = 0; i < kStoryHashes; ++i) same += a[i] == b[i];
  return static_cast<double>(same) / kStoryHashes;
}

std::string story_id(std::string_view article_key) { return fnv1a64_hex({"story", article_key}); }

std::string signature_bytes(const StorySignature& sig) {
  std::string out(kStoryHashes * 4, '\0');
  for (std::size_t i = 0; i < kStoryHashes; ++i) {
    for (std::size_t k = 0; k < 4; ++k) out[i * 4 + k] = static_cast<char>(sig[i] >> (8 * k));
  }
  return out;
}

std::optional<StorySignature> signature_from_bytes(std::string_view bytes) {
  if (bytes.size() != kStoryHashes * 4) return std::nullopt;
  StorySignature sig;
  for (std::size_t i = 0; i < kStoryHashes; ++i) {
    std::uint32_t v = 0;
    for (std::size_t k = 0; k < 4; ++k)
      v |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i * 4 + k])) << (8 * k);
    sig[i] = v;
  }
  return sig;
}

StoryIndex::StoryIndex(StoryOptions options) : options_(options) {
  options_.max_articles = std::max<std::size_t>(options_.max_articles, 1);
  // Per band, one or two entries per bucket when full: a lookup walks 20
  // short chains. Each band has buckets of its own, so an entry is in a chain
  // at most once.
  bucket_mask_ = std::bit_ceil(std::max<std::size_t>(options_.max_articles / 2, 16)) - 1;
  heads_.assign((bucket_mask_ + 1) * kStoryBands, 0);
}

std::size_t StoryIndex::bucket(const StorySignature& sig, std::size_t band) const {
  return band * (bucket_mask_ + 1) + (band_hash(sig, band) & bucket_mask_);
}

const StoryIndex::Entry* StoryIndex::held(std::uint64_t serial) const {
  const std::uint64_t first = next_serial_ - entries_.size();
  if (serial < first || serial >= next_serial_) return nullptr;
  return &entries_[serial - first];
}

void StoryIndex::drop_oldest() {
  const Entry& e = entries_.front();
  by_key_.erase(e.key);
  if (auto it = stories_.find(e.story); it != stories_.end() && --it->second.held == 0)
    stories_.erase(it);
  entries_.pop_front();
}

void StoryIndex::drop_expired(std::chrono::sys_seconds newest) {
  newest_ = std::max(newest_, newest);
  while (!entries_.empty() && entries_.front().seen < newest_ - options_.window) {
    drop_oldest();
  }
}

void StoryIndex::insert(std::string_view key, std::string_view story, const StorySignature& sig,
                        std::chrono::sys_seconds seen) {
  if (size() == options_.max_articles) drop_oldest();
  const std::uint64_t serial = next_serial_++;
  Entry& e = entries_.emplace_back();
  e.key = key;
  e.story = story;
  e.seen = seen;
  e.sig = sig;
  for (std::size_t b = 0; b < kStoryBands; ++b) {
    std::uint64_t& head = heads_[bucket(sig, b)];
    e.next[b] = head;
    head = serial + 1;
  }
  by_key_[e.key] = serial;
  ++stories_[e.story].held;
}

StoryAssignment StoryIndex::assign(std::string_view article_key,
                                   const std::optional<StorySignature>& signature,
                                   std::chrono::sys_seconds seen) {
  drop_expired(seen);
  if (auto it = by_key_.find(article_key); it != by_key_.end()) {
    const Entry* e = held(it->second);
    return {.story = e->story, .size = stories_[e->story].size, .known = true};
  }
  StoryAssignment a{.story = story_id(article_key)};
  if (!signature) return a;

  // Walk each band's bucket, newest first, at most max_candidates_per_band
  // entries; a chain ends at the first entry that is no longer held (all
  // behind it are older).
  const Entry* best = nullptr;
  for (std::size_t b = 0; b < kStoryBands; ++b) {
    std::size_t walked = 0;
    for (std::uint64_t link = heads_[bucket(*signature, b)];
         link != 0 && walked < options_.max_candidates_per_band; ++walked) {
      const Entry* e = held(link - 1);
      if (!e) break;
      ++a.looked_at;
      link = e->next[b];
      if (!same_band(e->sig, *signature, b) || e->seen < seen - options_.window) continue;
      const double j = estimated_jaccard(e->sig, *signature);
      if (j >= options_.threshold && (!best || j > a.similarity)) {
        best = e;
        a.similarity = j;
      }
    }
  }
  if (best) {
    a.story = best->story;
    a.like = best->key;
  }
  Story& s = stories_[a.story];
  a.size = ++s.size;
  insert(article_key, a.story, *signature, seen);
  return a;
}

void StoryIndex::restore(std::string_view article_key, std::string_view story,
                         const StorySignature& signature, std::chrono::sys_seconds seen,
                         std::uint64_t story_size) {
  drop_expired(seen);
  if (by_key_.contains(article_key)) return;
  Story& s = stories_[std::string(story)];
  s.size = std::max(s.size, story_size);
  insert(article_key, story, signature, seen);
}

}  // namespace nw
