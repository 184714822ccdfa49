// The language of an article: identified from its text by CLD2 (Google's
// Compact Language Detector, Debian's libcld2; tables compiled in, nothing
// loaded at run time), with the language the page declares (<html lang>,
// Content-Language, og:locale) as evidence, not as the answer. Pure functions,
// safe from any thread (CLD2 keeps no state between calls).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace nw {

// What CLD2 makes of a text.
struct DetectedLanguage {
  std::string code;       // ISO 639-1 where one exists ("ar", "fa", "ur", "zh"); "" when unknown
  int percent = 0;        // share of the text's letters in that language, 0..100
  bool reliable = false;  // CLD2's own verdict: clearly ahead of the runner-up
};

// Looks at no more than the first kDetectBytes of `utf8_text` (cut at a
// character boundary): CLD2 costs about 280 instructions a byte of Latin text
// and 170 of Arabic, so a whole 5 KB article would cost as much as extracting
// it (tests/bench/language_bench.cc); 384 bytes name the language as well
// (README, "Language"). Invalid UTF-8 is cut where it starts. Plain text, not HTML.
inline constexpr std::size_t kDetectBytes = 384;
DetectedLanguage detect_language(std::string_view utf8_text);

// The lower-case primary subtag of a BCP 47 tag or locale, in ISO 639-1 where
// there is one: "ar-LY", "ar_EG", "AR" -> "ar"; "en-US" -> "en"; "zh-Hant" ->
// "zh"; the old "iw", "in", "ji" -> "he", "id", "yi". "" for "" and for what is no
// language tag ("un", "und", "x-klingon", "*").
std::string normalize_language_code(std::string_view tag);

// How the language was chosen.
enum class LanguageFrom { kNone, kText, kDeclared };
// "text", "declared", "" (kNone): the alert's and `extract --json`'s language_from.
std::string_view language_from_name(LanguageFrom from);

struct ChosenLanguage {
  std::string code;  // normalized (normalize_language_code); "" when unknown
  LanguageFrom from = LanguageFrom::kNone;
};

// The rule. `text_chars` counts the characters (code points) of the text
// identified (its title and body). A reliable detection on at least kDecideChars characters
// decides, whatever the page declares (an Arabic site whose template says
// lang="en", a site-wide og:locale). Below that the declaration stands. With
// no declaration, a reliable detection on at least kMinDetectChars characters
// is taken; on less, the language is unknown. The thresholds come from
// measurement over tests/data/language (README, "Language").
inline constexpr std::size_t kDecideChars = 200;
inline constexpr std::size_t kMinDetectChars = 40;
ChosenLanguage choose_language(std::string_view declared, const DetectedLanguage& detected,
                               std::size_t text_chars);

// What identify_language() detects, within kDetectBytes: the title (its first
// kDetectBytes / 4 at most) and the text, or, for a longer text, its opening
// and a piece from its middle, each cut at a space (an opening that is a quote
// or a dateline in another language then outweighs nothing).
std::string detection_sample(std::string_view title, std::string_view text);

// detect_language() over detection_sample(title, text), then choose_language()
// with the characters of the title and the text.
ChosenLanguage identify_language(std::string_view declared, std::string_view title,
                                 std::string_view text);

// Whether CLD2 can identify `code` (normalized) from text: "ar", "fa", "en"
// yes; "ara" (ISO 639-2 for ar), "tlh" no. A rule's language it cannot
// identify matches only pages that declare it (newswatchd --check says so).
bool detectable_language(std::string_view code);

}  // namespace nw
