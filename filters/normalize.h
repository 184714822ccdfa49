// Text normalization shared by rule terms and article text: ICU NFKC with full
// case folding (except ligatures that would become phrases: U+FDFA, U+FDFB,
// U+FDFD stay one word), Arabic spelling variants folded, digits to ASCII, word tokens
// that keep their byte range in the original UTF-8, and sentence snippets.
// Pure functions, safe from any thread (each thread clones its own ICU break
// iterators).
#pragma once

#include <array>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace nw {

struct Token {
  // Carrier form: a hamza on a seat becomes its seat (ئ → ي, ؤ → و).
  std::string key;
  // Bare-hamza form (ئ ؤ → ء); empty when the token has no seated hamza, i.e.
  // when it would equal `key`. Two words are the same word when their keys or
  // their bare forms (alt_key, else key) agree: فائز = فايز, المسئولين = المسؤولين.
  std::string alt_key;
  std::size_t begin = 0;  // byte range of the word in the original text
  std::size_t end = 0;
};

// Splits `utf8` into normalized word tokens (ICU word boundaries, punctuation
// and spaces dropped), then splits what ICU joins but web text means as two
// words: at an apostrophe ("Obama's" → obama, s; "l'État" → l, état), at an
// underscore or U+202F (#طوفان_الكرامة → طوفان, الكرامه), at a full stop or colon
// between letters when one of them is Arabic (المصرية.وقال → المصريه, وقال;
// "U.S.", "bbc.com" and "3.5" stay one token), and between digits and Arabic
// letters (٢٠١٦م → 2016, م).
// Invalid UTF-8 is read as U+FFFD, never rejected.
std::vector<Token> tokenize(std::string_view utf8);
// Same, appending to `out` (lets a caller reuse its buffer).
void tokenize(std::string_view utf8, std::vector<Token>& out);

// Normalizes `text` as a whole (no splitting), in carrier form: what the key
// of a one-word token would be. "STRASSE" and "straße" both give "strasse".
std::string normalize_term(std::string_view text);

// The normalized `key` with Latin accents removed (état → etat, łódź → lodz,
// æ → ae), for rules that fold accents; empty when nothing changes.
std::string fold_accents(std::string_view key);

// True when the normalized key is written in Arabic script (its first letter is).
bool is_arabic_key(std::string_view key);

// The keys a normalized Arabic word takes behind proclitics: conjunction و ف,
// preposition ب ك ل, article ال, in that order, e.g. حفتر → وحفتر, بالحفتر,
// وللحفتر; a word that has ال already takes لل for ل+ال (القاهره → للقاهره),
// and one lam less when the word starts with ل (اللجنه → للجنه, الله → لله).
// Excludes `key` itself; empty for non-Arabic keys.
std::vector<std::string> proclitic_variants(std::string_view key);

// Where the sentences of `text` start, as byte offsets (ICU sentence breaks:
// . ! ? ؟ and line ends), from 0 to text.size() inclusive.
std::vector<std::size_t> sentence_breaks(std::string_view text);

// The sentence breaks of a text, found one paragraph at a time and only for
// the paragraphs asked about: a line feed always ends a sentence (Unicode
// sentence rule SB4), so a paragraph's breaks are those of the whole text.
// For an article with a few matches this spares breaking all of it. Keeps a
// view of the text, which must outlive it; one object per thread.
class SentenceIndex {
 public:
  explicit SentenceIndex(std::string_view text);
  // The breaks of sentence_breaks(text) around the bytes [begin, end): the
  // last at or before begin and the first at or after end (and after begin).
  // As the `breaks` of snippet_around they give the same snippet.
  std::array<std::size_t, 2> around(std::size_t begin, std::size_t end);

 private:
  // The breaks of the paragraph holding byte `at` (< text size), offsets in the text.
  const std::vector<std::size_t>& paragraph(std::size_t at);

  std::string_view text_;
  std::vector<std::vector<std::size_t>> paragraphs_;  // each from its start to its end
};

// The sentence of `text` around the bytes [begin, end), trimmed, at most
// `max_bytes` long: a longer sentence is cut on UTF-8 and, where possible,
// word boundaries around the match, with "…" marking each cut. `breaks` is
// sentence_breaks(text), for callers taking several snippets of one text.
std::string snippet_around(std::string_view text, std::span<const std::size_t> breaks,
                           std::size_t begin, std::size_t end, std::size_t max_bytes = 300);
std::string snippet_around(std::string_view text, std::size_t begin, std::size_t end,
                           std::size_t max_bytes = 300);

}  // namespace nw
