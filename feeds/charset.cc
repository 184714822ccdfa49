#include "feeds/charset.h"

#include <unicode/ucnv.h>
#include <unicode/ucnv_cb.h>
#include <unicode/ucsdet.h>
#include <unicode/ustring.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>

#include "feeds/text.h"

namespace nw {
namespace {

// How much of the document is searched for a declaration, and fed to the
// detector. The detector's verdict does not improve past a few hundred KB.
constexpr size_t kDeclarationWindow = 4096;
constexpr size_t kDetectionWindow = 256 * 1024;

// A charset label without surrounding whitespace or quotes, lower-case.
std::string lower_trimmed(std::string_view s) {
  const auto unquoted = [](char c) { return !is_space(c) && c != '"' && c != '\''; };
  while (!s.empty() && !unquoted(s.front())) s.remove_prefix(1);
  while (!s.empty() && !unquoted(s.back())) s.remove_suffix(1);
  return lower_ascii(s);
}

// Case-insensitive search for an ASCII `needle` (given in lower case).
size_t ifind(std::string_view hay, std::string_view needle, size_t from = 0) {
  if (needle.empty() || hay.size() < needle.size()) return std::string_view::npos;
  for (size_t i = from; i + needle.size() <= hay.size(); ++i) {
    size_t k = 0;
    while (k < needle.size() && lower_ascii(hay[i + k]) == needle[k]) ++k;
    if (k == needle.size()) return i;
  }
  return std::string_view::npos;
}

// ---- labels ---------------------------------------------------------------

struct Alias {
  std::string_view label;
  std::string_view name;
};

// WHATWG-style overrides where plain ICU alias lookup would differ from what
// browsers (and therefore publishers) mean. Everything else goes to ICU. The
// name is what we report; converter_for() says which table decodes it.
constexpr std::array kAliases = {
    Alias{"utf-8", "utf-8"},
    Alias{"utf8", "utf-8"},
    Alias{"unicode-1-1-utf-8", "utf-8"},
    Alias{"x-unicode20utf8", "utf-8"},
    Alias{"us-ascii", "us-ascii"},
    Alias{"ascii", "us-ascii"},
    Alias{"ansi_x3.4-1968", "us-ascii"},
    Alias{"iso-8859-1", "iso-8859-1"},
    Alias{"iso8859-1", "iso-8859-1"},
    Alias{"iso88591", "iso-8859-1"},
    Alias{"iso_8859-1", "iso-8859-1"},
    Alias{"iso_8859-1:1987", "iso-8859-1"},
    Alias{"latin1", "iso-8859-1"},
    Alias{"l1", "iso-8859-1"},
    Alias{"cp819", "iso-8859-1"},
    Alias{"ibm819", "iso-8859-1"},
    Alias{"cp1252", "windows-1252"},
    Alias{"x-cp1252", "windows-1252"},
    Alias{"windows-1252", "windows-1252"},
    Alias{"iso-8859-9", "iso-8859-9"},
    Alias{"latin5", "iso-8859-9"},
    Alias{"iso-8859-6", "iso-8859-6"},
    Alias{"iso8859-6", "iso-8859-6"},
    Alias{"iso88596", "iso-8859-6"},
    Alias{"iso_8859-6", "iso-8859-6"},
    Alias{"iso_8859-6:1987", "iso-8859-6"},
    Alias{"iso-8859-6-e", "iso-8859-6"},
    Alias{"iso-8859-6-i", "iso-8859-6"},
    Alias{"iso-ir-127", "iso-8859-6"},
    Alias{"arabic", "iso-8859-6"},
    Alias{"asmo-708", "iso-8859-6"},
    Alias{"ecma-114", "iso-8859-6"},
    Alias{"csisolatinarabic", "iso-8859-6"},
    Alias{"csiso88596e", "iso-8859-6"},
    Alias{"csiso88596i", "iso-8859-6"},
    Alias{"windows-1256", "windows-1256"},
    Alias{"cp1256", "windows-1256"},
    Alias{"x-cp1256", "windows-1256"},
    Alias{"utf-16", "utf-16le"},
    Alias{"utf-16le", "utf-16le"},
    Alias{"utf-16be", "utf-16be"},
    Alias{"unicode", "utf-16le"},
    Alias{"ucs-2", "utf-16le"},
};

// As browsers do, US-ASCII and ISO-8859-1 are read as their superset
// windows-1252 (their 0x80-0x9F are C1 controls nobody means), ISO-8859-9 as
// windows-1254. The document keeps its declared name.
std::string_view converter_for(std::string_view name) {
  if (name == "iso-8859-1" || name == "us-ascii") return "windows-1252";
  if (name == "iso-8859-9") return "windows-1254";
  return name;
}

struct ConverterCloser {
  void operator()(UConverter* c) const { ucnv_close(c); }
};
using Converter = std::unique_ptr<UConverter, ConverterCloser>;

// The canonical lower-case name for a charset label, or nullopt when neither
// our table nor ICU knows it.
std::optional<std::string> canonical_charset(std::string_view raw) {
  const std::string label = lower_trimmed(raw);
  if (label.empty() || label.size() > 64) return std::nullopt;
  for (const Alias& a : kAliases) {
    if (a.label == label) return std::string(a.name);
  }
  UErrorCode err = U_ZERO_ERROR;
  Converter cnv(ucnv_open(label.c_str(), &err));
  if (U_FAILURE(err) || !cnv) return std::nullopt;
  const char* icu_name = ucnv_getName(cnv.get(), &err);
  // The MIME name ("euc-jp") is the one people write; IANA's first name can
  // be a registry key ("extended_unix_code_packed_format_for_japanese").
  const char* iana = U_SUCCESS(err) ? ucnv_getStandardName(icu_name, "MIME", &err) : nullptr;
  if (U_FAILURE(err) || iana == nullptr) {
    err = U_ZERO_ERROR;
    iana = ucnv_getStandardName(icu_name, "IANA", &err);
  }
  std::string name = lower_trimmed((U_SUCCESS(err) && iana != nullptr) ? iana : label);
  // The names ICU's IANA table gives can themselves be WHATWG aliases.
  for (const Alias& a : kAliases) {
    if (a.label == name) return std::string(a.name);
  }
  return name;
}

bool is_utf16_or_32(std::string_view name) {
  return name.starts_with("utf-16") || name.starts_with("utf-32");
}

// ---- UTF-8 validation ---------------------------------------------------

struct Utf8Scan {
  bool valid = true;
  size_t multibyte = 0;  // well-formed sequences of 2-4 bytes
  size_t invalid = 0;    // bytes that start no well-formed sequence
};

// Length of the well-formed UTF-8 sequence at p (p < end, *p >= 0x80), or 0.
size_t utf8_sequence(const unsigned char* p, const unsigned char* end) {
  const unsigned char c = *p;
  const size_t left = static_cast<size_t>(end - p);
  auto cont = [&](size_t i) { return i < left && (p[i] & 0xC0) == 0x80; };
  if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (!cont(1) || !cont(2)) return 0;
    if (c == 0xE0 && p[1] < 0xA0) return 0;  // overlong
    if (c == 0xED && p[1] > 0x9F) return 0;  // surrogate
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    if (c == 0xF0 && p[1] < 0x90) return 0;  // overlong
    if (c == 0xF4 && p[1] > 0x8F) return 0;  // above U+10FFFF
    return 4;
  }
  return 0;
}

// With stop_at_first_error, returns as soon as validity is known (the fast path
// for the common case); otherwise counts, to judge "mostly UTF-8".
Utf8Scan scan_utf8(std::string_view bytes, bool stop_at_first_error) {
  Utf8Scan scan;
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  const auto* end = p + bytes.size();
  while (p < end) {
    const unsigned char c = *p;
    if (c < 0x80) {
      // After an ASCII byte, skip ASCII runs eight bytes at a time. (Checking
      // words at every position instead costs 3x on Arabic text.)
      ++p;
      while (end - p >= 8) {
        uint64_t word;
        std::memcpy(&word, p, 8);
        if (word & 0x8080808080808080ULL) break;
        p += 8;
      }
      continue;
    }
    // Two-byte sequences (Arabic, Latin accents) inline: the hot path.
    if (c >= 0xC2 && c <= 0xDF && end - p >= 2 && (p[1] & 0xC0) == 0x80) {
      ++scan.multibyte;
      p += 2;
      continue;
    }
    const size_t n = utf8_sequence(p, end);
    if (n == 0) {
      scan.valid = false;
      ++scan.invalid;
      if (stop_at_first_error) return scan;
      ++p;
    } else {
      ++scan.multibyte;
      p += n;
    }
  }
  return scan;
}

// Mostly well-formed UTF-8 with a few stray bytes (a truncated or spliced
// document) is still UTF-8: legacy single-byte text rarely forms valid
// multi-byte sequences by accident (Arabic windows-1256 news: about one per
// 150 invalid bytes), so a 1:2 ratio leaves a wide margin.
bool mostly_utf8(const Utf8Scan& s) { return s.multibyte >= 4 && s.multibyte >= 2 * s.invalid; }

// A declaration of UTF-8 (HTTP charset or XML declaration) is believed over a
// few stray bytes: one bad byte in an Arabic headline must not send the whole
// feed to the detector, which then guesses Shift_JIS. It is only "clearly
// wrong" when most non-ASCII bytes are not UTF-8 (legacy text mislabelled).
bool declared_utf8_holds(const Utf8Scan& s) { return s.invalid <= 8 || s.multibyte >= s.invalid; }

// Length of an incomplete sequence at the very end (a document cut off inside
// a character), 0 if there is none.
size_t truncated_tail(std::string_view bytes) {
  const size_t n = bytes.size();
  for (size_t back = 1; back <= 3 && back <= n; ++back) {
    const auto c = static_cast<unsigned char>(bytes[n - back]);
    if ((c & 0xC0) == 0x80) continue;  // continuation: keep looking for the lead
    const size_t need = (c >= 0xC2 && c <= 0xDF)   ? 2
                        : (c >= 0xE0 && c <= 0xEF) ? 3
                        : (c >= 0xF0 && c <= 0xF4) ? 4
                                                   : 0;
    return (need > back) ? back : 0;
  }
  return 0;
}

// ---- conversion ---------------------------------------------------------

// Every undecodable byte sequence becomes U+FFFD (ICU's default substitutes
// U+001A for some single-byte charsets).
void to_u_replacement(const void*, UConverterToUnicodeArgs* args, const char*, int32_t,
                      UConverterCallbackReason reason, UErrorCode* err) {
  if (reason > UCNV_IRREGULAR) return;  // reset, close, clone: nothing to write
  static constexpr UChar kReplacement = 0xFFFD;
  *err = U_ZERO_ERROR;
  ucnv_cbToUWriteUChars(args, &kReplacement, 1, 0, err);
}

std::string utf16_to_utf8(const std::u16string& u16) {
  std::string out(u16.size() * 3, '\0');
  int32_t len = 0;
  UErrorCode err = U_ZERO_ERROR;
  u_strToUTF8WithSub(out.data(), static_cast<int32_t>(out.size()), &len, u16.data(),
                     static_cast<int32_t>(u16.size()), 0xFFFD, nullptr, &err);
  if (U_FAILURE(err)) return {};
  out.resize(static_cast<size_t>(len));
  return out;
}

// Converts with ICU; nullopt only when ICU cannot open the charset.
std::optional<std::string> convert(std::string_view bytes, const std::string& charset) {
  UErrorCode err = U_ZERO_ERROR;
  Converter cnv(ucnv_open(std::string(converter_for(charset)).c_str(), &err));
  if (U_FAILURE(err) || !cnv) return std::nullopt;
  ucnv_setToUCallBack(cnv.get(), to_u_replacement, nullptr, nullptr, nullptr, &err);
  if (U_FAILURE(err)) return std::nullopt;
  // No charset we accept expands one byte into more than one UTF-16 unit,
  // except via the replacement character, which is also one unit.
  std::u16string u16(bytes.size() + 1, u'\0');
  const char* src = bytes.data();
  const char* src_end = src + bytes.size();
  UChar* dst = u16.data();
  UChar* dst_end = dst + u16.size();
  ucnv_toUnicode(cnv.get(), &dst, dst_end, &src, src_end, nullptr, /*flush=*/true, &err);
  if (err == U_BUFFER_OVERFLOW_ERROR) {
    // Defensive: a charset with a larger expansion. Redo with a bigger buffer.
    err = U_ZERO_ERROR;
    ucnv_resetToUnicode(cnv.get());
    u16.assign(bytes.size() * 4 + 16, u'\0');
    src = bytes.data();
    dst = u16.data();
    dst_end = dst + u16.size();
    ucnv_toUnicode(cnv.get(), &dst, dst_end, &src, src_end, nullptr, true, &err);
  }
  if (U_FAILURE(err)) return std::nullopt;
  u16.resize(static_cast<size_t>(dst - u16.data()));
  std::string out = utf16_to_utf8(u16);
  // A BOM that a declaration (rather than our BOM check) led us to decode.
  if (out.starts_with("\xEF\xBB\xBF")) out.erase(0, 3);
  return out;
}

// windows-1252's byte for a code point of its 0x80-0x9F range, or 0.
unsigned char cp1252_high_byte(char32_t cp) {
  static constexpr std::array<char32_t, 32> kHigh = {
      0x20AC, 0x81,   0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
      0x2039, 0x0152, 0x8D,   0x017D, 0x8F,   0x90,   0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
      0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D,   0x017E, 0x0178};
  for (size_t i = 0; i < kHigh.size(); ++i) {
    if (kHigh[i] == cp) return static_cast<unsigned char>(0x80 + i);
  }
  return 0;
}

// UTF-8 that was decoded as windows-1252 and encoded again ("â€™" for "’"):
// the original bytes when every non-ASCII character maps back to one
// windows-1252 byte and those bytes are well-formed UTF-8 with multi-byte
// sequences. Genuine Latin text fails that ("é" alone is not UTF-8), and any
// other script fails at its first character, so this costs one look at the
// first non-ASCII byte for nearly every document.
std::optional<std::string> undo_double_utf8(std::string_view text) {
  const size_t first = std::find_if(text.begin(), text.end(),
                                    [](char c) { return static_cast<unsigned char>(c) >= 0x80; }) -
                       text.begin();
  if (first == text.size()) return std::nullopt;
  const auto lead = static_cast<unsigned char>(text[first]);
  if (lead != 0xC2 && lead != 0xC3 && lead != 0xC5 && lead != 0xC6 && lead != 0xCB &&
      lead != 0xE2) {
    return std::nullopt;
  }
  // The bytes made are checked as they come, as scan_utf8 would check them,
  // so genuine text ("é" then a letter) is given up at its first non-ASCII
  // character instead of after a copy of the whole page.
  size_t need = 0;                     // continuation bytes still wanted
  unsigned char lo = 0x80, hi = 0xBF;  // the range of the next one
  size_t multibyte = 0;
  const auto well_formed = [&](unsigned char b) {
    if (need > 0) {
      if (b < lo || b > hi) return false;
      lo = 0x80;
      hi = 0xBF;
      if (--need == 0) ++multibyte;
      return true;
    }
    if (b < 0x80) return true;
    if (b >= 0xC2 && b <= 0xDF) {
      need = 1;
    } else if (b >= 0xE0 && b <= 0xEF) {
      need = 2;
      if (b == 0xE0) lo = 0xA0;  // overlong
      if (b == 0xED) hi = 0x9F;  // surrogate
    } else if (b >= 0xF0 && b <= 0xF4) {
      need = 3;
      if (b == 0xF0) lo = 0x90;  // overlong
      if (b == 0xF4) hi = 0x8F;  // above U+10FFFF
    } else {
      return false;
    }
    return true;
  };
  std::string out(text.substr(0, first));
  out.reserve(text.size());
  const auto* p = reinterpret_cast<const unsigned char*>(text.data()) + first;
  const auto* end = reinterpret_cast<const unsigned char*>(text.data()) + text.size();
  while (p < end) {
    if (*p < 0x80) {
      if (need > 0) return std::nullopt;
      out.push_back(static_cast<char>(*p++));
      continue;
    }
    const size_t n = utf8_sequence(p, end);  // the input is valid UTF-8
    char32_t cp = n == 2   ? ((p[0] & 0x1F) << 6) | (p[1] & 0x3F)
                  : n == 3 ? ((p[0] & 0x0F) << 12) | ((p[1] & 0x3F) << 6) | (p[2] & 0x3F)
                           : 0x110000;
    p += n == 0 ? 1 : n;
    unsigned char b = 0;
    if (cp >= 0xA0 && cp <= 0xFF) {
      b = static_cast<unsigned char>(cp);
    } else if (cp >= 0x80) {
      b = cp1252_high_byte(cp);
    }
    if (b == 0 || !well_formed(b)) return std::nullopt;
    out.push_back(static_cast<char>(b));
  }
  if (need > 0 || multibyte == 0) return std::nullopt;
  return out;
}

// UTF-8 sequences left inside text decoded as windows-1252: a feed declared
// ISO-8859-1 that pastes UTF-8 ("\u00e2\u20ac\u00a6" for an ellipsis) next to its
// own windows-1252 bytes, so that neither reading is right for all of it. Each
// run of characters whose windows-1252 bytes form one UTF-8 sequence of the
// kinds such text holds (Latin-1 letters and signs, Latin Extended quotes and
// ligatures, General Punctuation, the euro and trade mark signs) becomes that
// character. Genuine Latin-1 text almost never has a capital A with a circumflex
// or tilde before a sign or punctuation mark. Returns how many were undone.
size_t undo_pasted_utf8(std::string& text) {
  // Which bytes can start the sequences we undo (see undo_double_utf8).
  static constexpr auto lead_ok = [](unsigned char b) {
    return b == 0xC2 || b == 0xC3 || b == 0xC5 || b == 0xC6 || b == 0xCB || b == 0xE2;
  };
  // The windows-1252 byte of the UTF-8 character at p (length n), or 0.
  const auto byte_at = [](const unsigned char* p, const unsigned char* end, size_t& n) -> int {
    if (*p < 0x80) {
      n = 1;
      return -1;
    }
    n = utf8_sequence(p, end);
    if (n == 2) {
      const char32_t cp = ((p[0] & 0x1F) << 6) | (p[1] & 0x3F);
      if (cp >= 0xA0 && cp <= 0xFF) return static_cast<int>(cp);
      if (cp >= 0x80 && cp <= 0x9F) return static_cast<int>(cp);  // an unassigned byte
      return cp1252_high_byte(cp);
    }
    if (n == 3)
      return cp1252_high_byte(((p[0] & 0x0F) << 12) | ((p[1] & 0x3F) << 6) | (p[2] & 0x3F));
    if (n == 0) n = 1;
    return 0;
  };
  size_t undone = 0;
  std::string out;
  const auto* begin = reinterpret_cast<const unsigned char*>(text.data());
  const auto* end = begin + text.size();
  const unsigned char* copied = begin;
  for (const unsigned char* p = begin; p < end;) {
    size_t n1 = 0;
    const int b1 = byte_at(p, end, n1);
    if (b1 <= 0 || !lead_ok(static_cast<unsigned char>(b1))) {
      p += n1;
      continue;
    }
    const size_t want = b1 == 0xE2 ? 3 : 2;
    unsigned char bytes[3] = {static_cast<unsigned char>(b1), 0, 0};
    const unsigned char* q = p + n1;
    bool ok = true;
    for (size_t k = 1; k < want && ok; ++k) {
      size_t nk = 0;
      const int bk = q < end ? byte_at(q, end, nk) : 0;
      ok = bk >= 0x80 && bk <= 0xBF;
      if (ok) {
        bytes[k] = static_cast<unsigned char>(bk);
        q += nk;
      }
    }
    // General Punctuation through Letterlike Symbols only: E2 80..84.
    if (ok && want == 3) ok = bytes[1] >= 0x80 && bytes[1] <= 0x84;
    if (!ok || utf8_sequence(bytes, bytes + want) != want) {
      p += n1;
      continue;
    }
    if (out.empty()) out.reserve(text.size());
    out.append(reinterpret_cast<const char*>(copied), static_cast<size_t>(p - copied));
    out.append(reinterpret_cast<const char*>(bytes), want);
    copied = p = q;
    ++undone;
  }
  if (undone > 0) {
    out.append(reinterpret_cast<const char*>(copied), static_cast<size_t>(end - copied));
    text = std::move(out);
  }
  return undone;
}

// Invalid sequences become U+FFFD. Input that is valid is copied untouched.
std::string utf8_with_replacement(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  const auto* end = p + bytes.size();
  while (p < end) {
    if (*p < 0x80) {
      out.push_back(static_cast<char>(*p++));
      continue;
    }
    const size_t n = utf8_sequence(p, end);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      ++p;
    } else {
      out.append(reinterpret_cast<const char*>(p), n);
      p += n;
    }
  }
  return out;
}

// ---- sources of truth ---------------------------------------------------

struct Bom {
  std::string_view charset;
  size_t length;
};

std::optional<Bom> sniff_bom(std::string_view b) {
  if (b.starts_with("\xEF\xBB\xBF")) return Bom{"utf-8", 3};
  if (b.starts_with(std::string_view("\xFF\xFE\x00\x00", 4))) return Bom{"utf-32le", 4};
  if (b.starts_with(std::string_view("\x00\x00\xFE\xFF", 4))) return Bom{"utf-32be", 4};
  if (b.starts_with("\xFF\xFE")) return Bom{"utf-16le", 2};
  if (b.starts_with("\xFE\xFF")) return Bom{"utf-16be", 2};
  return std::nullopt;
}

// XML 1.0 appendix F: a BOM-less UTF-16 document still starts with "<?", and a
// UTF-32 one with "<" in a 4-byte unit.
std::optional<std::string_view> sniff_xml_utf16(std::string_view b) {
  // XML 1.0 Appendix F: the first '<' in a 4-byte or 2-byte unit, without a BOM.
  if (b.starts_with(std::string_view("\0\0\0<", 4))) return "utf-32be";
  if (b.starts_with(std::string_view("<\0\0\0", 4))) return "utf-32le";
  if (b.starts_with(std::string_view("<\0?\0", 4))) return "utf-16le";
  if (b.starts_with(std::string_view("\0<\0?", 4))) return "utf-16be";
  return std::nullopt;
}

// The value after `charset` (then optional spaces, '=', optional quotes) at pos.
std::string_view charset_value(std::string_view s, size_t pos) {
  pos += 7;  // "charset"
  while (pos < s.size() && (s[pos] == ' ' || s[pos] == '\t')) ++pos;
  if (pos >= s.size() || s[pos] != '=') return {};
  ++pos;
  while (pos < s.size() && (s[pos] == ' ' || s[pos] == '\t' || s[pos] == '"' || s[pos] == '\'')) {
    ++pos;
  }
  size_t end = pos;
  while (end < s.size() && std::strchr(" \t\r\n;\"'>/,", s[end]) == nullptr) ++end;
  return s.substr(pos, end - pos);
}

std::string_view content_type_charset(std::string_view content_type) {
  for (size_t pos = ifind(content_type, "charset"); pos != std::string_view::npos;
       pos = ifind(content_type, "charset", pos + 1)) {
    std::string_view v = charset_value(content_type, pos);
    if (!v.empty()) return v;
  }
  return {};
}

std::string_view xml_declared_charset(std::string_view b) {
  size_t start = 0;
  while (start < b.size() && std::strchr(" \t\r\n", b[start]) != nullptr && b[start] != '\0') {
    ++start;
  }
  b = b.substr(start, kDeclarationWindow);
  if (!b.starts_with("<?xml")) return {};
  const size_t close = b.find("?>");
  const std::string_view decl = b.substr(0, close);
  const size_t pos = decl.find("encoding");
  if (pos == std::string_view::npos) return {};
  size_t i = pos + 8;
  while (i < decl.size() && std::strchr(" \t\r\n=", decl[i]) != nullptr) ++i;
  if (i >= decl.size() || (decl[i] != '"' && decl[i] != '\'')) return {};
  const char quote = decl[i++];
  const size_t end = decl.find(quote, i);
  if (end == std::string_view::npos) return {};
  return decl.substr(i, end - i);
}

std::string_view html_declared_charset(std::string_view b) {
  b = b.substr(0, kDeclarationWindow);
  for (size_t pos = ifind(b, "<meta"); pos != std::string_view::npos;
       pos = ifind(b, "<meta", pos + 5)) {
    const size_t close = b.find('>', pos);
    const std::string_view tag =
        b.substr(pos, close == std::string_view::npos ? b.npos : close - pos);
    const size_t cs = ifind(tag, "charset");
    if (cs == std::string_view::npos) continue;
    std::string_view v = charset_value(tag, cs);
    if (!v.empty()) return v;
  }
  return {};
}

// Whether undeclared bytes read as Thai in TIS-620 (or its superset
// windows-874), which ICU's detector does not know: it names such text euc-kr,
// ISO-8859-8 or ISO-8859-1. Thai spelling is strict enough to tell: vowel
// signs written above or below (and tone marks) follow a consonant, a vowel
// written before its consonant is followed by one, and nothing falls in the
// codes TIS-620 leaves unassigned. Korean, Chinese, Cyrillic, Hebrew, Arabic
// and Latin text break these rules within a few dozen letters.
bool plausible_thai(std::string_view bytes) {
  const auto consonant = [](unsigned char c) { return c >= 0xA1 && c <= 0xCE; };
  const auto above_below = [](unsigned char c) { return c == 0xD1 || (c >= 0xD4 && c <= 0xDA); };
  size_t thai = 0, signs = 0, broken = 0;
  unsigned char prev = ' ';
  for (size_t i = 0; i < bytes.size(); ++i) {
    const auto c = static_cast<unsigned char>(bytes[i]);
    // windows-874's punctuation: euro, ellipsis, curly quotes, dashes.
    const bool punctuation = c == 0x80 || c == 0x85 || (c >= 0x91 && c <= 0x97);
    if (c >= 0x80 && !punctuation) {
      if (c < 0xA1 || (c >= 0xDB && c <= 0xDE) || c > 0xFB) return false;  // unassigned
      ++thai;
      if (above_below(c)) {
        ++signs;
        broken += !consonant(prev);
      } else if (c >= 0xE7 && c <= 0xEE) {  // tone and other marks
        ++signs;
        broken += !consonant(prev) && !above_below(prev);
      } else if (c >= 0xE0 && c <= 0xE4) {  // written before the consonant it follows
        ++signs;
        broken += i + 1 >= bytes.size() || !consonant(static_cast<unsigned char>(bytes[i + 1]));
      }
    }
    prev = c;
  }
  // Thai has a sign every few letters; a slip or two in a long text is forgiven.
  return thai >= 16 && signs * 8 >= thai && broken * 50 <= signs;
}

// ICU's detector, skipping what the caller has ruled out. Returns a canonical
// name or nullopt when nothing is credible.
std::optional<std::string> detect(std::string_view bytes, DocType type) {
  const std::string_view sample = bytes.substr(0, kDetectionWindow);
  if (plausible_thai(sample)) return canonical_charset("windows-874");
  UErrorCode err = U_ZERO_ERROR;
  std::unique_ptr<UCharsetDetector, decltype(&ucsdet_close)> det(ucsdet_open(&err), &ucsdet_close);
  if (U_FAILURE(err)) return std::nullopt;
  ucsdet_setText(det.get(), sample.data(), static_cast<int32_t>(sample.size()), &err);
  ucsdet_enableInputFilter(det.get(), type != DocType::kText);
  int32_t count = 0;
  const UCharsetMatch** matches = ucsdet_detectAll(det.get(), &count, &err);
  if (U_FAILURE(err)) return std::nullopt;
  for (int32_t i = 0; i < count; ++i) {
    UErrorCode e = U_ZERO_ERROR;
    const char* name = ucsdet_getName(matches[i], &e);
    const int32_t confidence = ucsdet_getConfidence(matches[i], &e);
    if (U_FAILURE(e) || name == nullptr || confidence < 10) continue;
    std::optional<std::string> cs = canonical_charset(name);
    if (!cs || *cs == "utf-8") continue;     // already ruled out by validation
    if (cs->starts_with("ibm42")) continue;  // EBCDIC Arabic: never on the web
    if (is_utf16_or_32(*cs) && confidence < 50) continue;
    // ICU names Hebrew text ISO-8859-8; what servers send undeclared is its
    // superset windows-1255 (niqqud, curly quotes, the shekel sign).
    if (cs->starts_with("iso-8859-8")) return std::string("windows-1255");
    return cs;
  }
  return std::nullopt;
}

}  // namespace

Decoded decode_to_utf8(std::string_view bytes, std::string_view content_type, DocType type) {
  if (std::optional<Bom> bom = sniff_bom(bytes)) {
    const std::string_view body = bytes.substr(bom->length);
    if (bom->charset == "utf-8") {
      if (scan_utf8(body, /*stop_at_first_error=*/true).valid) return {std::string(body), "utf-8"};
      return {utf8_with_replacement(body), "utf-8"};
    }
    if (std::optional<std::string> text = convert(body, std::string(bom->charset))) {
      return {std::move(*text), std::string(bom->charset)};
    }
  }
  if (type == DocType::kXml) {
    if (std::optional<std::string_view> cs = sniff_xml_utf16(bytes)) {
      if (std::optional<std::string> text = convert(bytes, std::string(*cs))) {
        return {std::move(*text), std::string(*cs)};
      }
    }
  }

  // Declarations, most authoritative first. A declaration read from
  // ASCII-compatible bytes cannot truthfully name UTF-16/32.
  std::array<std::string_view, 3> declared = {content_type_charset(content_type), {}, {}};
  if (type == DocType::kXml) {
    declared[1] = xml_declared_charset(bytes);
  } else if (type == DocType::kHtml) {
    declared[1] = html_declared_charset(bytes);
    declared[2] = xml_declared_charset(bytes);
  }
  // One validation pass serves every decision below. A last character cut off
  // by truncation does not make a document "not UTF-8".
  const size_t tail = truncated_tail(bytes);
  const Utf8Scan scan =
      scan_utf8(bytes.substr(0, bytes.size() - tail), /*stop_at_first_error=*/true);
  bool declared_utf8 = false;
  for (size_t i = 0; i < declared.size(); ++i) {
    if (declared[i].empty()) continue;
    std::optional<std::string> cs = canonical_charset(declared[i]);
    if (!cs) continue;
    declared_utf8 = *cs == "utf-8";
    // UTF-8, or UTF-16/32 claimed by a declaration we could read as ASCII.
    if (declared_utf8 || (i > 0 && is_utf16_or_32(*cs))) break;
    // Valid UTF-8 with non-ASCII text under a legacy label is UTF-8: servers
    // default to "charset=ISO-8859-1", and legacy Arabic or Latin text is never
    // valid UTF-8 by accident (about 1 in 150 of its non-ASCII bytes is).
    if (scan.valid && scan.multibyte > 0 && !is_utf16_or_32(*cs)) break;
    if (std::optional<std::string> text = convert(bytes, *cs)) {
      Decoded d{std::move(*text), *cs, {}};
      if (converter_for(*cs) == "windows-1252") {
        if (const size_t n = undo_pasted_utf8(d.text); n > 0) {
          d.repaired = "declared " + *cs + ", with " + std::to_string(n) +
                       " UTF-8 sequences pasted among its windows-1252 bytes (undone)";
        }
      }
      return d;
    }
  }

  // Declared UTF-8 or undeclared: valid UTF-8 is taken as is (the fast path:
  // one scan, one copy); a declared UTF-8 over other bytes is a lie, and the
  // bytes speak for themselves.
  if (scan.valid) {
    std::string text;
    text.reserve(bytes.size() + 2);
    text.assign(bytes.substr(0, bytes.size() - tail));
    if (tail > 0) text += "\xEF\xBF\xBD";
    if (std::optional<std::string> undone = undo_double_utf8(text)) {
      return {std::move(*undone), "utf-8",
              "doubly encoded UTF-8 (UTF-8 read as windows-1252 and encoded again; undone)"};
    }
    return {std::move(text), "utf-8", {}};
  }
  if (const Utf8Scan counted = scan_utf8(bytes, /*stop_at_first_error=*/false);
      mostly_utf8(counted) || (declared_utf8 && declared_utf8_holds(counted))) {
    return {utf8_with_replacement(bytes), "utf-8"};
  }
  if (std::optional<std::string> cs = detect(bytes, type)) {
    if (std::optional<std::string> text = convert(bytes, *cs)) return {std::move(*text), *cs};
  }
  return {utf8_with_replacement(bytes), "utf-8"};
}

}  // namespace nw
