// Arabic proclitics at match time: the inverse of proclitic_variants
// (filters/normalize.h). Rather than store every variant of every query word
// as a dictionary key (23 keys per Arabic word, which at a million rules is
// most of the matcher's memory and compile time), the matcher stores the word
// once and, for each token, looks up the keys the token is a variant of.
// Pure functions, safe from any thread.
#pragma once

#include <array>
#include <cstddef>
#include <string_view>

namespace nw {

// Whether proclitic_variants(key) is not empty: an Arabic key of two letters
// or more.
bool takes_proclitics(std::string_view key);

// Each key K with `token` in proclitic_variants(K), for K that takes
// proclitics (some candidates may not: the caller's dictionary tells). At
// most kMaxProcliticStems, possibly repeated. The views point into `token` or
// into this object, so they live as long as both.
class ProcliticStems {
 public:
  static constexpr std::size_t kMaxProcliticStems = 16;
  explicit ProcliticStems(std::string_view token);
  const std::string_view* begin() const { return stems_.data(); }
  const std::string_view* end() const { return stems_.data() + count_; }
  std::size_t size() const { return count_; }

 private:
  void add(std::string_view stem) {
    if (count_ < stems_.size()) stems_[count_++] = stem;
  }
  // "ال" + rest, kept in buf_ (two of them at most per token).
  void add_definite(std::string_view rest);

  std::array<std::string_view, kMaxProcliticStems> stems_;  // [0, count_) set
  std::size_t count_ = 0;
  std::array<char, 256> buf_;  // [0, used_) set
  std::size_t used_ = 0;
};

}  // namespace nw
