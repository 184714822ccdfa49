#include "filters/matcher_proclitics.h"

#include <cstring>

#include "filters/normalize.h"

namespace nw {
namespace {

// The letters proclitic_variants puts before a key (filters/normalize.cc).
constexpr std::string_view kArticle = "ال";
constexpr std::string_view kLam = "ل";
constexpr std::string_view kLamLam = "لل";
constexpr std::string_view kConjunctions[] = {"", "و", "ف"};
constexpr std::string_view kPrepositions[] = {"", "ب", "ك", "ل"};

}  // namespace

bool takes_proclitics(std::string_view key) { return key.size() >= 4 && is_arabic_key(key); }

void ProcliticStems::add_definite(std::string_view rest) {
  if (used_ + kArticle.size() + rest.size() > buf_.size()) return;  // no key is that long
  char* at = buf_.data() + used_;
  std::memcpy(at, kArticle.data(), kArticle.size());
  std::memcpy(at + kArticle.size(), rest.data(), rest.size());
  used_ += kArticle.size() + rest.size();
  add(std::string_view(at, kArticle.size() + rest.size()));
}

// proclitic_variants(K) holds, for each conjunction c, preposition p and
// article a (not all three empty; a only when K lacks "ال"):
//   c + p + a + K                      unless p is ل and (a or K has "ال");
//   c + (ل or لل) + K'                 when p is ل and so: K' is K without its
//                                      "ال" (a when K has none), one lam
//                                      written before a K' that starts with ل.
// Each branch below undoes one of these shapes.
ProcliticStems::ProcliticStems(std::string_view t) {
  if (t.size() < 2) return;
  for (std::string_view conj : kConjunctions) {
    if (!t.starts_with(conj)) continue;
    const std::string_view r = t.substr(conj.size());
    for (std::string_view prep : kPrepositions) {
      if (!r.starts_with(prep)) continue;
      const std::string_view s = r.substr(prep.size());
      const bool lam = prep == kLam;
      // c + p + K, K without "ال" when p is ل.
      if ((!conj.empty() || !prep.empty()) && !(lam && s.starts_with(kArticle))) add(s);
      // c + p + "ال" + K, K without "ال", p not ل.
      if (!lam && s.starts_with(kArticle)) {
        const std::string_view k = s.substr(kArticle.size());
        if (!k.starts_with(kArticle)) add(k);
      }
    }
    if (!r.starts_with(kLam)) continue;
    const std::string_view after_lam = r.substr(kLam.size());
    if (after_lam.starts_with(kLam)) {
      add(after_lam);           // c + ل + K: a added to a K that starts with ل
      add_definite(after_lam);  // c + ل + K': K = "ال" + K', K' starts with ل
    }
    if (r.starts_with(kLamLam)) {
      const std::string_view rest = r.substr(kLamLam.size());
      if (!rest.empty() && !rest.starts_with(kLam)) {
        if (!rest.starts_with(kArticle)) add(rest);  // c + لل + K: a added to K
        add_definite(rest);                          // c + لل + K': K = "ال" + K'
      }
    }
  }
}

}  // namespace nw
