// The Arabic spelling variants newswatch reads as one letter, and the marks it
// ignores: one table for rule matching (filters/normalize.h) and the
// boilerplate lexicon (filters/boilerplate.h), so a word folds the same in both.
// Pure and constexpr; any thread.
#pragma once

namespace nw::arabic {

// fold_letter's answer for a code point that is dropped.
inline constexpr char32_t kDrop = 0xFFFFFFFF;

// How `c` is written for matching:
//   alef with madda, hamza above/below, wasla, wavy hamza (آ أ إ ٱ ٲ ٳ) → ا
//   alef maqsura, Farsi yeh, yeh barree (ى ی ے) and yeh with hamza (ئ) → ي
//   waw with hamza (ؤ) → و
//   teh marbuta, heh with yeh, heh goal, ae (ة ۀ ہ ە) → ه
//   keheh (ک) → ك
//   kDrop: tatweel, superscript alef, harakat and Quranic marks, and the
//   invisible joiners and direction marks (ZWNJ, ZWJ, LRM, RLM, embeddings,
//   overrides, isolates).
// Anything else comes back unchanged.
constexpr char32_t fold_letter(char32_t c) {
  if (c < 0x0610 || (c > 0x06ED && c < 0x200C) || c > 0x2069) return c;
  switch (c) {
    case 0x0622:
    case 0x0623:
    case 0x0625:
    case 0x0671:
    case 0x0672:
    case 0x0673:
      return 0x0627;  // ا
    case 0x0649:
    case 0x06CC:
    case 0x06D2:
    case 0x0626:
      return 0x064A;  // ي
    case 0x0624:
      return 0x0648;  // و
    case 0x0629:
    case 0x06C0:
    case 0x06C1:
    case 0x06D5:
      return 0x0647;  // ه
    case 0x06A9:
      return 0x0643;  // ك
    case 0x0640:      // tatweel
    case 0x0670:      // superscript alef
      return kDrop;
    default:
      break;
  }
  const auto in = [c](char32_t lo, char32_t hi) { return c >= lo && c <= hi; };
  if (in(0x0610, 0x061A) || in(0x064B, 0x065F) || in(0x06D6, 0x06ED) || in(0x200C, 0x200F) ||
      in(0x202A, 0x202E) || in(0x2066, 0x2069)) {
    return kDrop;
  }
  return c;
}

}  // namespace nw::arabic
