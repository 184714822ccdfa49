#include "filters/normalize.h"

#include <unicode/brkiter.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/utext.h>
#include <unicode/utf16.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <array>
#include <climits>
#include <cstdint>
#include <memory>
#include <stdexcept>

#include "feeds/text.h"
#include "filters/arabic.h"

namespace nw {
namespace {

// ICU data missing is a broken installation, not an expected failure.
[[noreturn]] void icu_broken(const char* what, UErrorCode status) {
  throw std::runtime_error(std::string("ICU: ") + what + ": " + u_errorName(status));
}

const icu::Normalizer2& nfkc_casefold() {
  static const icu::Normalizer2* const instance = [] {
    UErrorCode status = U_ZERO_ERROR;
    const icu::Normalizer2* n = icu::Normalizer2::getNFKCCasefoldInstance(status);
    if (U_FAILURE(status)) icu_broken("NFKC_Casefold normalizer", status);
    return n;
  }();
  return *instance;
}

// One prototype, one clone per thread: a BreakIterator is not thread-safe, but
// cloning a const one is, and clones are cheap to reuse across calls.
std::unique_ptr<icu::BreakIterator> make_breaker(bool words) {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Locale& root = icu::Locale::getRoot();
  std::unique_ptr<icu::BreakIterator> bi(
      words ? icu::BreakIterator::createWordInstance(root, status)
            : icu::BreakIterator::createSentenceInstance(root, status));
  if (U_FAILURE(status)) icu_broken("creating a break iterator", status);
  return bi;
}

icu::BreakIterator& word_breaker() {
  static const std::unique_ptr<icu::BreakIterator> prototype = make_breaker(true);
  thread_local const std::unique_ptr<icu::BreakIterator> mine(prototype->clone());
  return *mine;
}

icu::BreakIterator& sentence_breaker() {
  static const std::unique_ptr<icu::BreakIterator> prototype = make_breaker(false);
  thread_local const std::unique_ptr<icu::BreakIterator> mine(prototype->clone());
  return *mine;
}

// Points `bi` at `utf8` through `ut` (closed by the caller); native indexes
// of a UTF-8 UText are byte offsets into utf8.
void set_text(icu::BreakIterator& bi, UText& ut, std::string_view utf8) {
  UErrorCode status = U_ZERO_ERROR;
  utext_openUTF8(&ut, utf8.data(), static_cast<int64_t>(utf8.size()), &status);
  bi.setText(&ut, status);
  if (U_FAILURE(status)) {
    utext_close(&ut);
    icu_broken("setting break iterator text", status);
  }
}

constexpr UChar32 kDrop = -1;
constexpr UChar32 kYeh = 0x064A, kWaw = 0x0648, kHamza = 0x0621, kYehHamza = 0x0626,
                  kWawHamza = 0x0624;

bool in(UChar32 c, UChar32 lo, UChar32 hi) { return c >= lo && c <= hi; }

// Folds one code point of NFKC_Casefold output; kDrop removes it. Seated
// hamza is left to the caller, which needs both of its forms.
UChar32 fold(UChar32 c) {
  // Fast path: ASCII and the Arabic letters that stay as they are.
  if (c < 0x80 || c == 0x0621 || c == 0x0627 || c == 0x0628 || in(c, 0x062A, 0x063A) ||
      in(c, 0x0641, 0x0648) || c == 0x064A) {
    return c;
  }
  if (c == 0x0131) return 'i';  // dotless ı: Turkish I/ı/İ/i all compare as i
  const char32_t folded = arabic::fold_letter(static_cast<char32_t>(c));
  if (folded == arabic::kDrop) return kDrop;
  c = static_cast<UChar32>(folded);
  if (u_charType(c) == U_DECIMAL_DIGIT_NUMBER) return '0' + u_charDigitValue(c);
  return c;
}

void append_utf8(std::string& out, UChar32 c) {
  char buf[U8_MAX_LENGTH];
  int32_t n = 0;
  U8_APPEND_UNSAFE(buf, n, c);
  out.append(buf, static_cast<std::size_t>(n));
}

// Ligatures that NFKC would expand to phrases (ﷺ → four words, ﷻ → two):
// they stay one word, hidden from the normalizer behind private-use stand-ins.
constexpr UChar32 kPhraseLigatures[] = {0xFDFA, 0xFDFB, 0xFDFD};
constexpr UChar32 kStandIn = 0xF8F0;  // + index into kPhraseLigatures

UChar32 hide_ligature(UChar32 c) {
  for (std::size_t i = 0; i < std::size(kPhraseLigatures); ++i) {
    if (c == kPhraseLigatures[i]) return kStandIn + static_cast<UChar32>(i);
  }
  return c;
}

UChar32 unhide_ligature(UChar32 c) {
  if (c >= kStandIn && c < kStandIn + static_cast<UChar32>(std::size(kPhraseLigatures))) {
    return kPhraseLigatures[c - kStandIn];
  }
  return c;
}

// Reusable per-thread UTF-16 buffers for the ICU normalizer.
struct Scratch {
  std::u16string src;
  icu::UnicodeString dst;
};

Scratch& scratch() {
  thread_local Scratch s;
  return s;
}

// Normalizes `text` into key (carrier form) and alt (bare-hamza form, left
// empty when no seated hamza occurs).
void normalize_into(std::string_view text, std::string& key, std::string& alt) {
  key.clear();
  alt.clear();
  bool ascii = true;
  for (unsigned char ch : text) ascii = ascii && ch < 0x80;
  if (ascii) {  // NFKC_Casefold of ASCII is plain lower-casing
    key.reserve(text.size());
    for (char ch : text) key.push_back(ch >= 'A' && ch <= 'Z' ? static_cast<char>(ch + 32) : ch);
    return;
  }

  Scratch& s = scratch();
  s.src.clear();
  const auto* bytes = reinterpret_cast<const uint8_t*>(text.data());
  const auto length = static_cast<int32_t>(text.size());
  for (int32_t i = 0; i < length;) {
    UChar32 c;
    U8_NEXT(bytes, i, length, c);
    if (c < 0) c = 0xFFFD;
    if (c >= 0xFDFA && c <= 0xFDFD) c = hide_ligature(c);
    if (c <= 0xFFFF) {
      s.src.push_back(static_cast<char16_t>(c));
    } else {
      s.src.push_back(U16_LEAD(c));
      s.src.push_back(U16_TRAIL(c));
    }
  }
  // A read-only alias: no copy into ICU's string type.
  const icu::UnicodeString src(false, s.src.data(), static_cast<int32_t>(s.src.size()));
  const icu::Normalizer2& norm = nfkc_casefold();
  UErrorCode status = U_ZERO_ERROR;
  const int32_t done = norm.spanQuickCheckYes(src, status);
  const char16_t* u = s.src.data();
  int32_t n = static_cast<int32_t>(s.src.size());
  if (U_SUCCESS(status) && done < n) {
    s.dst.setTo(src, 0, done);
    norm.normalizeSecondAndAppend(s.dst, src.tempSubString(done), status);
    if (U_SUCCESS(status)) {
      u = s.dst.getBuffer();
      n = s.dst.length();
    }
  }

  key.reserve(text.size());
  bool seated = false;
  UChar32 prev = 0;
  for (int32_t i = 0; i < n;) {
    UChar32 c;
    U16_NEXT(u, i, n, c);
    if (c == 0x0307 && prev == 'i') continue;  // İ folds to i + dot above
    // NFKC writes isolated harakat (U+FE70.., U+FC5E..) as space + mark.
    if (c == ' ' && i < n && u_charType(u[i]) == U_NON_SPACING_MARK) continue;
    c = unhide_ligature(c);
    if (c == kYehHamza || c == kWawHamza) {
      if (!seated) alt = key;
      seated = true;
      append_utf8(key, c == kYehHamza ? kYeh : kWaw);
      append_utf8(alt, kHamza);
      prev = c;
      continue;
    }
    c = fold(c);
    if (c == kDrop) continue;
    append_utf8(key, c);
    if (seated) append_utf8(alt, c);
    prev = c;
  }
}

void add_part(std::string_view text, std::size_t begin, std::size_t end, std::vector<Token>& out) {
  if (begin >= end) return;
  Token t;
  normalize_into(text.substr(begin, end - begin), t.key, t.alt_key);
  if (t.key.empty()) return;  // e.g. only tatweel and harakat
  t.begin = begin;
  t.end = end;
  out.push_back(std::move(t));
}

// What a code point inside an ICU word segment does to the splitting below.
enum class Cls : std::uint8_t {
  kSplit,    // ends a word and is dropped: apostrophes, connectors (_ and U+202F)
  kMid,      // . : · and kin: inside a word, except between two Arabic letters
  kArabic,   // an Arabic letter (tatweel and presentation forms included)
  kDigit,    // a decimal digit of any script
  kIgnored,  // a mark or an invisible format character: looked through
  kOther,
};

Cls classify(UChar32 c) {
  if (c < 0x80) {
    if (c == '\'' || c == '_') return Cls::kSplit;
    if (c == '.' || c == ':') return Cls::kMid;
    if (c >= '0' && c <= '9') return Cls::kDigit;
    return Cls::kOther;
  }
  if (in(c, 0x0620, 0x064A) || in(c, 0x066E, 0x066F) || in(c, 0x0671, 0x06D3) || c == 0x06D5 ||
      in(c, 0x06EE, 0x06EF) || in(c, 0x06FA, 0x06FF) || in(c, 0x0750, 0x077F) ||
      in(c, 0x08A0, 0x08C9) || in(c, 0xFB50, 0xFDFF) || in(c, 0xFE70, 0xFEFC)) {
    return Cls::kArabic;
  }
  if (in(c, 0x0660, 0x0669) || in(c, 0x06F0, 0x06F9)) return Cls::kDigit;
  switch (c) {
    case 0x2019:  // ’ and ＇, the other apostrophes ICU keeps inside a word
    case 0xFF07:
    case 0x202F:  // narrow no-break space (ICU: ExtendNumLet, like the connectors)
    case 0x203F:
    case 0x2040:
    case 0x2054:
    case 0xFE33:
    case 0xFE34:
    case 0xFE4D:
    case 0xFE4E:
    case 0xFE4F:
    case 0xFF3F:
      return Cls::kSplit;
    case 0x00B7:
    case 0x0387:
    case 0x2024:
    case 0x2027:
    case 0xFE13:
    case 0xFE52:
    case 0xFE55:
    case 0xFF0E:
    case 0xFF1A:
      return Cls::kMid;
    default:
      break;
  }
  const auto type = static_cast<UCharCategory>(u_charType(c));
  if (type == U_NON_SPACING_MARK || type == U_ENCLOSING_MARK || type == U_COMBINING_SPACING_MARK ||
      type == U_FORMAT_CHAR) {
    return Cls::kIgnored;
  }
  if (type == U_DECIMAL_DIGIT_NUMBER) return Cls::kDigit;
  return Cls::kOther;
}

// One ICU word segment, split where ICU's word rules join what web text means
// as two words: at an apostrophe ("Obama's" → obama, s), at a connector
// (#طوفان_الكرامة, a U+202F between words), at a full stop or colon between
// letters when one of them is Arabic (المصرية.وقال, المصرية.The; "U.S.",
// "bbc.com" and "3.5" stay whole), and between digits and Arabic letters
// (٢٠١٦م → 2016, م).
// Marks and invisible format characters are looked through.
void add_word(std::string_view text, std::size_t begin, std::size_t end, std::vector<Token>& out) {
  bool plain = true;  // ASCII without apostrophe or underscore: one word as it is
  for (std::size_t i = begin; i < end && plain; ++i) {
    const auto b = static_cast<unsigned char>(text[i]);
    plain = b < 0x80 && b != '\'' && b != '_';
  }
  if (plain) {
    add_part(text, begin, end, out);
    return;
  }
  const auto* bytes = reinterpret_cast<const uint8_t*>(text.data());
  const auto stop = static_cast<int32_t>(end);
  std::size_t part = begin;
  Cls prev = Cls::kOther;  // the last code point not looked through
  UChar32 prev_c = 0;      // and that code point
  // A kMid after a letter: where it stands, and whether that letter was Arabic.
  std::size_t mid = 0, mid_end = 0;
  bool mid_after_arabic = false;
  for (auto i = static_cast<int32_t>(begin); i < stop;) {
    const auto at = static_cast<std::size_t>(i);
    UChar32 c;
    U8_NEXT(bytes, i, stop, c);
    const Cls cls = c < 0 ? Cls::kOther : classify(c);
    switch (cls) {
      case Cls::kIgnored:
        continue;
      case Cls::kSplit:
        add_part(text, part, at, out);
        part = static_cast<std::size_t>(i);
        break;
      case Cls::kMid:
        mid = at;
        mid_after_arabic = prev == Cls::kArabic;
        mid_end = mid_after_arabic || (prev == Cls::kOther && u_isalpha(prev_c))
                      ? static_cast<std::size_t>(i)
                      : 0;
        break;
      case Cls::kArabic:
        if (prev == Cls::kMid && mid_end != 0) {  // المصرية.وقال, Cairo.وقال
          add_part(text, part, mid, out);
          part = mid_end;
        } else if (prev == Cls::kDigit) {
          add_part(text, part, at, out);
          part = at;
        }
        break;
      case Cls::kDigit:
        if (prev == Cls::kArabic) {
          add_part(text, part, at, out);
          part = at;
        }
        break;
      case Cls::kOther:  // المصرية.The
        if (prev == Cls::kMid && mid_end != 0 && mid_after_arabic && u_isalpha(c)) {
          add_part(text, part, mid, out);
          part = mid_end;
        }
        break;
    }
    if (cls != Cls::kMid) mid_end = 0;
    prev = cls;
    prev_c = c;
  }
  add_part(text, part, end, out);
}

}  // namespace

void tokenize(std::string_view utf8, std::vector<Token>& out) {
  if (utf8.empty()) return;
  // Break positions are int32_t; an article is never near 2 GiB.
  if (utf8.size() > static_cast<std::size_t>(INT32_MAX)) utf8 = utf8.substr(0, INT32_MAX);
  UText ut = UTEXT_INITIALIZER;
  icu::BreakIterator& bi = word_breaker();
  set_text(bi, ut, utf8);
  int32_t begin = bi.first();
  for (int32_t end = bi.next(); end != icu::BreakIterator::DONE; begin = end, end = bi.next()) {
    if (bi.getRuleStatus() < UBRK_WORD_NONE_LIMIT) continue;  // spaces, punctuation
    add_word(utf8, static_cast<std::size_t>(begin), static_cast<std::size_t>(end), out);
  }
  utext_close(&ut);
}

std::vector<Token> tokenize(std::string_view utf8) {
  std::vector<Token> out;
  out.reserve(utf8.size() / 6);
  tokenize(utf8, out);
  return out;
}

std::string fold_accents(std::string_view key) {
  bool latin = false;  // only precomposed Latin letters (U+00C0..U+024F, U+1E00..U+1EFF) change
  for (std::size_t i = 0; i + 1 < key.size() && !latin; ++i) {
    const auto b = static_cast<unsigned char>(key[i]);
    latin = (b >= 0xC3 && b <= 0xC9) ||
            (b == 0xE1 && (static_cast<unsigned char>(key[i + 1]) & 0xFC) == 0xB8);
  }
  if (!latin) return {};
  static const icu::Normalizer2* const nfd = [] {
    UErrorCode status = U_ZERO_ERROR;
    const icu::Normalizer2* n = icu::Normalizer2::getNFDInstance(status);
    if (U_FAILURE(status)) icu_broken("NFD normalizer", status);
    return n;
  }();
  UErrorCode status = U_ZERO_ERROR;
  const icu::UnicodeString decomposed = nfd->normalize(
      icu::UnicodeString::fromUTF8(icu::StringPiece(key.data(), static_cast<int32_t>(key.size()))),
      status);
  if (U_FAILURE(status)) return {};
  std::string out;
  out.reserve(key.size());
  for (int32_t i = 0; i < decomposed.length();) {
    const UChar32 c = decomposed.char32At(i);
    i += U16_LENGTH(c);
    if (in(c, 0x0300, 0x036F)) continue;  // combining accents
    switch (c) {                          // letters with a stroke or ligatures that NFD keeps whole
      case 0x00F8:
        out += 'o';
        break;  // ø
      case 0x0111:
        out += 'd';
        break;  // đ
      case 0x0142:
        out += 'l';
        break;  // ł
      case 0x0127:
        out += 'h';
        break;  // ħ
      case 0x00E6:
        out += "ae";
        break;  // æ
      case 0x0153:
        out += "oe";
        break;  // œ
      case 0x00F0:
        out += 'd';
        break;  // ð
      case 0x00FE:
        out += "th";
        break;  // þ
      default:
        append_utf8(out, c);
    }
  }
  if (out == key) return {};
  return out;
}

std::string normalize_term(std::string_view text) {
  std::string key, alt;
  normalize_into(text, key, alt);
  return key;
}

bool is_arabic_key(std::string_view key) {
  if (key.empty()) return false;
  const auto* bytes = reinterpret_cast<const uint8_t*>(key.data());
  int32_t i = 0;
  UChar32 c;
  U8_NEXT(bytes, i, static_cast<int32_t>(key.size()), c);
  return in(c, 0x0600, 0x06FF) || in(c, 0x0750, 0x077F) || in(c, 0x08A0, 0x08FF);
}

std::vector<std::string> proclitic_variants(std::string_view key) {
  std::vector<std::string> out;
  // Two letters at least (each two bytes): a proclitic on a one-letter word
  // would mostly make other words.
  if (!is_arabic_key(key) || key.size() < 4) return out;
  static constexpr std::string_view kArticle = "ال";
  static constexpr std::array<std::string_view, 3> kConjunctions = {"", "و", "ف"};
  static constexpr std::array<std::string_view, 4> kPrepositions = {"", "ب", "ك", "ل"};
  const bool definite = key.starts_with(kArticle);
  const std::string_view rest = definite ? key.substr(kArticle.size()) : key;
  out.reserve(24);
  for (std::string_view conj : kConjunctions) {
    for (std::string_view prep : kPrepositions) {
      for (bool article : {false, true}) {
        if (article && definite) continue;
        if (conj.empty() && prep.empty() && !article) continue;  // the word itself
        std::string v(conj);
        if (prep == "ل" && (article || definite)) {
          if (rest.empty()) continue;
          // ل + ال is written لل, and one lam less before a word that starts
          // with ل: ل + اللجنة → للجنة, ل + الله → لله.
          v += rest.starts_with("ل") ? "ل" : "لل";
          v += rest;
        } else {
          v += prep;
          if (article) v += kArticle;
          v += key;
        }
        // ل + لجنة and ل + ال + لجنة are both للجنة: keep one.
        if (std::ranges::find(out, v) == out.end()) out.push_back(std::move(v));
      }
    }
  }
  return out;
}

namespace {

bool is_continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

}  // namespace

std::vector<std::size_t> sentence_breaks(std::string_view text) {
  if (text.size() > static_cast<std::size_t>(INT32_MAX)) text = text.substr(0, INT32_MAX);
  std::vector<std::size_t> out{0};
  if (text.empty()) return out;
  UText ut = UTEXT_INITIALIZER;
  icu::BreakIterator& bi = sentence_breaker();
  set_text(bi, ut, text);
  for (int32_t b = bi.next(); b != icu::BreakIterator::DONE; b = bi.next())
    out.push_back(static_cast<std::size_t>(b));
  utext_close(&ut);
  if (out.back() != text.size()) out.push_back(text.size());
  return out;
}

SentenceIndex::SentenceIndex(std::string_view text) : text_(text) {
  if (text_.size() > static_cast<std::size_t>(INT32_MAX))
    text_ = text_.substr(0, INT32_MAX);  // as sentence_breaks
}

const std::vector<std::size_t>& SentenceIndex::paragraph(std::size_t at) {
  for (const auto& p : paragraphs_) {
    if (p.front() <= at && at < p.back()) return p;
  }
  const std::size_t lf = at == 0 ? std::string_view::npos : text_.rfind('\n', at - 1);
  const std::size_t start = lf == std::string_view::npos ? 0 : lf + 1;
  const std::size_t next = text_.find('\n', at);
  const std::size_t end = next == std::string_view::npos ? text_.size() : next + 1;
  std::vector<std::size_t> breaks = sentence_breaks(text_.substr(start, end - start));
  for (auto& b : breaks) b += start;
  paragraphs_.push_back(std::move(breaks));
  return paragraphs_.back();
}

std::array<std::size_t, 2> SentenceIndex::around(std::size_t begin, std::size_t end) {
  if (text_.empty()) return {0, 0};
  begin = std::min(begin, text_.size());
  end = std::clamp(end, begin, text_.size());
  const std::size_t probe = std::min(begin, text_.size() - 1);
  const std::size_t after = std::max(end, begin + 1);  // the end break lies at or after this
  const auto& first = paragraph(probe);
  const std::size_t s = *std::prev(std::ranges::upper_bound(first, probe));
  if (after > text_.size()) return {s, text_.size()};
  const auto& last = paragraph(after - 1);  // a match may run over a line feed
  return {s, *std::ranges::lower_bound(last, after)};
}

std::string snippet_around(std::string_view text, std::size_t begin, std::size_t end,
                           std::size_t max_bytes) {
  return snippet_around(text, sentence_breaks(text), begin, end, max_bytes);
}

std::string snippet_around(std::string_view text, std::span<const std::size_t> breaks,
                           std::size_t begin, std::size_t end, std::size_t max_bytes) {
  begin = std::min(begin, text.size());
  end = std::clamp(end, begin, text.size());
  // The last break at or before begin, and the first break at or after end.
  const std::size_t probe = text.empty() ? 0 : std::min(begin, text.size() - 1);
  auto after_begin = std::ranges::upper_bound(breaks, probe);
  std::size_t s = after_begin == breaks.begin() ? 0 : *std::prev(after_begin);
  auto at_end = std::ranges::lower_bound(breaks, std::max(end, begin + 1));
  std::size_t e = at_end == breaks.end() ? text.size() : std::clamp(*at_end, end, text.size());
  s = std::min(s, begin);
  while (s < begin && is_space(text[s])) ++s;
  while (e > end && is_space(text[e - 1])) --e;
  if (e - s <= max_bytes) return std::string(text.substr(s, e - s));

  // Too long: a window around the match, cut between words where possible.
  static constexpr std::string_view kEllipsis = "…";
  const std::size_t room =
      max_bytes > 2 * kEllipsis.size() ? max_bytes - 2 * kEllipsis.size() : max_bytes;
  std::size_t ws = begin - std::min(begin - s, room / 3);
  std::size_t we = std::min(e, ws + room);
  if (we < end) we = std::min(e, end);  // a match longer than the room stays whole
  while (ws < begin && is_continuation(text[ws])) ++ws;
  while (we > end && we < text.size() && is_continuation(text[we])) --we;
  if (ws > s) {
    const std::size_t space = text.substr(ws, begin - ws).find(' ');
    if (space != std::string_view::npos) ws += space + 1;
  }
  if (we < e) {
    const std::size_t space = text.substr(end, we - end).rfind(' ');
    if (space != std::string_view::npos) we = end + space;
  }
  std::string out;
  if (ws > s) out += kEllipsis;
  out += text.substr(ws, we - ws);
  if (we < e) out += kEllipsis;
  return out;
}

}  // namespace nw
