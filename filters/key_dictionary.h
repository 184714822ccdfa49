// The matcher's word dictionary: an immutable open-addressing hash table from
// a normalized key to the query words it stands for. Built once per compiled
// Matcher, then read-only, so any number of threads may call find() at once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace nw {

// How an entry may be reached from a token (see Token::alt_key in
// filters/normalize.h): through the token's carrier key, its bare-hamza form,
// or both.
inline constexpr std::uint8_t kViaCarrier = 1;
inline constexpr std::uint8_t kViaBare = 2;

// `via`: how the key itself reaches the word. `stem_via`: how a token that is
// a proclitic variant of the key does (filters/matcher_proclitics.h), 0 when
// none may: variants are looked up at match time, not stored as keys.
struct DictEntry {
  std::uint32_t word = 0;
  std::uint8_t via = 0;
  std::uint8_t stem_via = 0;
};

class KeyDictionary {
 public:
  // Collects (key, entry) records; keys go to one arena, not one string each.
  class Builder {
   public:
    void add(std::string_view key, DictEntry entry);

   private:
    friend class KeyDictionary;
    struct Record {
      std::uint64_t hash;
      std::uint32_t offset, size;
      DictEntry entry;
    };
    std::string_view key(const Record& r) const {
      return std::string_view(arena_).substr(r.offset, r.size);
    }
    std::string arena_;
    std::vector<Record> records_;
  };

  KeyDictionary() = default;
  // Entries of one key are merged per word (their `via`s and `stem_via`s
  // or-ed together). Takes the builder's memory: its arena becomes the
  // dictionary's, its records are freed before this returns.
  explicit KeyDictionary(Builder&& builder);

  // The entries for `key`, sorted by word; empty when the key is unknown.
  std::span<const DictEntry> find(std::string_view key) const { return find(key, hash(key)); }
  // Same, with hash(key) already known: a caller probing every prefix of a
  // token extends one hash a byte at a time instead of hashing each prefix.
  std::span<const DictEntry> find(std::string_view key, std::uint64_t key_hash) const;
  // Whether some entry has a stem_via.
  bool has_stems() const { return has_stems_; }

  // FNV-1a, byte by byte: hash(s + c) == extend(hash(s), c).
  static constexpr std::uint64_t kEmptyHash = 0xcbf29ce484222325ULL;
  static constexpr std::uint64_t extend(std::uint64_t h, char c) {
    return (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
  }
  static constexpr std::uint64_t hash(std::string_view key) {
    std::uint64_t h = kEmptyHash;
    for (char c : key) h = extend(h, c);
    return h;
  }

 private:
  // FNV-1a's low bits mix poorly: the slot comes from a finalized hash.
  std::size_t slot(std::uint64_t h) const {
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 32;
    return static_cast<std::size_t>(h) & mask_;
  }

  struct Slot {
    std::uint64_t hash = 0;
    std::uint32_t key_offset = 0, key_size = 0;
    std::uint32_t first = 0, count = 0;  // count == 0: empty slot
  };
  std::vector<Slot> slots_;  // a power of two, at most half full
  std::size_t mask_ = 0;
  std::string arena_;
  std::vector<DictEntry> entries_;
  bool has_stems_ = false;
};

}  // namespace nw
