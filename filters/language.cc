#include "filters/language.h"

// compact_lang_det.h uses FILE without including <cstdio>.
#include <cstdio>
// clang-format off
#include <cld2/public/compact_lang_det.h>
#include <cld2/public/encodings.h>
// clang-format on

#include <algorithm>
#include <set>
#include <string>

namespace nw {
namespace {

bool is_continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// The longest prefix of at most `max` bytes that does not end inside a character.
std::string_view utf8_prefix(std::string_view s, std::size_t max) {
  if (s.size() <= max) return s;
  std::size_t n = max;
  while (n > 0 && is_continuation(s[n])) --n;
  return s.substr(0, n);
}

// The characters of `s`, counted up to `limit` (all choose_language needs to know).
std::size_t code_points(std::string_view s, std::size_t limit) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < s.size() && n < limit; ++i) n += !is_continuation(s[i]);
  return n;
}
}  // namespace

std::string normalize_language_code(std::string_view tag) {
  while (!tag.empty() && (tag.front() == ' ' || tag.front() == '\t')) tag.remove_prefix(1);
  std::string primary;
  for (char c : tag) {
    if (c == '-' || c == '_' || c == ' ' || c == ',' || c == ';' || c == '.') break;
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c < 'a' || c > 'z') return {};
    primary.push_back(c);
  }
  if (primary.size() < 2 || primary.size() > 3) return {};
  if (primary == "un" || primary == "und" || primary == "xxx" || primary == "mul" ||
      primary == "zxx" || primary.starts_with("zz")) {
    return {};
  }
  // Codes withdrawn from ISO 639-1 that CLD2 and old pages still use.
  if (primary == "iw") return "he";
  if (primary == "in") return "id";
  if (primary == "ji") return "yi";
  if (primary == "jw") return "jv";
  return primary;
}

std::string_view language_from_name(LanguageFrom from) {
  switch (from) {
    case LanguageFrom::kText:
      return "text";
    case LanguageFrom::kDeclared:
      return "declared";
    case LanguageFrom::kNone:
      break;
  }
  return "";
}

DetectedLanguage detect_language(std::string_view utf8_text) {
  const std::string_view text = utf8_prefix(utf8_text, kDetectBytes);
  if (text.empty()) return {};
  CLD2::Language language3[3];
  int percent3[3] = {0, 0, 0};
  double scores3[3];
  int text_bytes = 0;
  bool reliable = false;
  int valid_prefix = 0;
  const CLD2::CLDHints hints{.content_language_hint = nullptr,
                             .tld_hint = nullptr,
                             .encoding_hint = CLD2::UNKNOWN_ENCODING,
                             .language_hint = CLD2::UNKNOWN_LANGUAGE};
  CLD2::Language top = CLD2::ExtDetectLanguageSummaryCheckUTF8(
      text.data(), static_cast<int>(text.size()), /*is_plain_text=*/true, &hints, /*flags=*/0,
      language3, percent3, scores3, /*resultchunkvector=*/nullptr, &text_bytes, &reliable,
      &valid_prefix);
  if (valid_prefix < static_cast<int>(text.size())) {
    // CLD2 gives up on the whole buffer at the first bad byte: look at what precedes it.
    const std::string_view valid = text.substr(0, static_cast<std::size_t>(valid_prefix));
    if (valid.empty()) return {};
    top = CLD2::ExtDetectLanguageSummary(valid.data(), static_cast<int>(valid.size()), true, &hints,
                                         0, language3, percent3, scores3, nullptr, &text_bytes,
                                         &reliable);
  }
  DetectedLanguage out{.code = normalize_language_code(CLD2::LanguageCode(top)),
                       .percent = top == language3[0] ? percent3[0] : 0,
                       .reliable = reliable};
  if (out.code.empty()) out = {};
  return out;
}

ChosenLanguage choose_language(std::string_view declared, const DetectedLanguage& detected,
                               std::size_t text_chars) {
  std::string declared_code = normalize_language_code(declared);
  const bool usable = detected.reliable && !detected.code.empty();
  if (usable && text_chars >= kDecideChars) return {detected.code, LanguageFrom::kText};
  if (!declared_code.empty()) return {std::move(declared_code), LanguageFrom::kDeclared};
  if (usable && text_chars >= kMinDetectChars) return {detected.code, LanguageFrom::kText};
  return {};
}

std::string detection_sample(std::string_view title, std::string_view text) {
  title = utf8_prefix(title, kDetectBytes / 4);
  std::string out(title);
  if (!title.empty() && !text.empty()) out.push_back('\n');
  if (out.size() + text.size() <= kDetectBytes) return out.append(text);
  // Two windows of `room` bytes in all; text.size() > room, so they do not overlap.
  const std::size_t room = kDetectBytes - out.size() - 1;
  auto at_space = [](std::string_view window) {
    const std::size_t space = window.find_last_of(" \n");
    return space != std::string_view::npos && space + 32 >= window.size() ? window.substr(0, space)
                                                                          : window;
  };
  const std::string_view opening = at_space(utf8_prefix(text, room / 2));
  std::size_t mid = text.size() / 2;
  while (mid < text.size() && is_continuation(text[mid])) ++mid;
  std::string_view middle = text.substr(mid);
  if (const std::size_t space = middle.substr(0, 32).find_first_of(" \n");
      space != std::string_view::npos) {
    middle.remove_prefix(space + 1);
  }
  middle = at_space(utf8_prefix(middle, room - opening.size()));
  out.append(opening).push_back('\n');
  return out.append(middle);
}

ChosenLanguage identify_language(std::string_view declared, std::string_view title,
                                 std::string_view text) {
  // The article's length, not the sample's: the sample of a long article holds
  // at least kDetectBytes / 3 characters, which CLD2 judges reliably or not.
  const std::size_t title_chars = code_points(title, kDecideChars);
  return choose_language(declared, detect_language(detection_sample(title, text)),
                         title_chars + code_points(text, kDecideChars - title_chars));
}

bool detectable_language(std::string_view code) {
  static const std::set<std::string, std::less<>> known = [] {
    std::set<std::string, std::less<>> out;
    for (int i = 0; i < CLD2::NUM_LANGUAGES; ++i) {
      const auto language = static_cast<CLD2::Language>(i);
      if (language == CLD2::X_KLINGON || language == CLD2::X_PIG_LATIN) continue;
      if (CLD2::LanguageRecognizedScript(language, 0) == CLD2::ULScript_Common) continue;
      const std::string_view raw = CLD2::LanguageCode(language);
      if (raw.starts_with("xx-")) continue;
      if (std::string c = normalize_language_code(raw); !c.empty()) out.insert(std::move(c));
    }
    return out;
  }();
  return known.contains(code);
}

}  // namespace nw
