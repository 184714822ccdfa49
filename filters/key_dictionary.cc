#include "filters/key_dictionary.h"

#include <algorithm>

namespace nw {

void KeyDictionary::Builder::add(std::string_view key, DictEntry entry) {
  records_.push_back({hash(key), static_cast<std::uint32_t>(arena_.size()),
                      static_cast<std::uint32_t>(key.size()), entry});
  arena_ += key;
}

KeyDictionary::KeyDictionary(Builder&& builder) {
  using Record = Builder::Record;
  Builder b = std::move(builder);  // its records are freed on return
  auto less = [&](const Record& x, const Record& y) {
    if (x.hash != y.hash) return x.hash < y.hash;
    if (int c = b.key(x).compare(b.key(y)); c != 0) return c < 0;
    return x.entry.word < y.entry.word;
  };
  std::sort(b.records_.begin(), b.records_.end(), less);
  auto same_key = [&](const Record& x, const Record& y) {
    return x.hash == y.hash && b.key(x) == b.key(y);
  };
  std::size_t keys = 0, entries = 0;
  for (std::size_t i = 0; i < b.records_.size(); ++i) {
    const bool new_key = i == 0 || !same_key(b.records_[i - 1], b.records_[i]);
    keys += new_key;
    entries += new_key || b.records_[i - 1].entry.word != b.records_[i].entry.word;
  }
  std::size_t capacity = 16;
  while (capacity < keys * 2) capacity *= 2;
  slots_.resize(capacity);
  mask_ = capacity - 1;
  entries_.reserve(entries);
  for (std::size_t i = 0; i < b.records_.size();) {
    const Record& r = b.records_[i];
    const auto first = static_cast<std::uint32_t>(entries_.size());
    for (; i < b.records_.size() && same_key(r, b.records_[i]); ++i) {
      const DictEntry& e = b.records_[i].entry;
      has_stems_ = has_stems_ || e.stem_via != 0;
      if (entries_.size() > first && entries_.back().word == e.word) {
        entries_.back().via |= e.via;  // the same word reached two ways
        entries_.back().stem_via |= e.stem_via;
      } else {
        entries_.push_back(e);
      }
    }
    std::size_t at = slot(r.hash);
    while (slots_[at].count != 0) at = (at + 1) & mask_;
    slots_[at] =
        Slot{r.hash, r.offset, r.size, first, static_cast<std::uint32_t>(entries_.size() - first)};
  }
  // The keys stay where the builder put them (a key added twice leaves its
  // later copies unused there), in an arena cut to size once the records are gone.
  std::vector<Builder::Record>().swap(b.records_);
  arena_ = std::move(b.arena_);
  arena_.shrink_to_fit();
}

std::span<const DictEntry> KeyDictionary::find(std::string_view key, std::uint64_t h) const {
  if (slots_.empty()) return {};
  for (std::size_t i = slot(h); slots_[i].count != 0; i = (i + 1) & mask_) {
    const Slot& s = slots_[i];
    if (s.hash == h && std::string_view(arena_).substr(s.key_offset, s.key_size) == key) {
      return std::span(entries_).subspan(s.first, s.count);
    }
  }
  return {};
}

}  // namespace nw
