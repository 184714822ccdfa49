// Tests filters/language.h: the detector over news prose in eight languages
// (tests/data/language/*.txt, each article as a page built around it, each
// paragraph and each headline alone), the confusable pairs of one script
// (Arabic, Persian, Urdu), the declared-vs-detected rule on pages that declare
// the wrong language or none (tests/data/language/pages/), and the extraction
// set (tests/data/extract/). Prints the accuracy table the README quotes.
#include "filters/language.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "filters/page_text.h"
#include "tests/support/files.h"

namespace nw {
namespace {

const std::vector<std::string> kLanguages = {"ar", "fa", "ur", "en", "fr", "de", "tr", "ru"};

struct NewsArticle {
  std::string headline;
  std::vector<std::string> paragraphs;
};

// A file of articles: a headline line, then a line per paragraph; a blank line between.
std::vector<NewsArticle> articles(const std::string& language) {
  std::istringstream in(
      test::read_fixture_file(test::fixture_path("language") / (language + ".txt")));
  std::vector<NewsArticle> out;
  bool fresh = true;
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) {
      fresh = true;
    } else if (fresh) {
      out.push_back({.headline = line});
      fresh = false;
    } else {
      out.back().paragraphs.push_back(line);
    }
  }
  return out;
}

// The article as a page that declares no language, with wordless furniture.
std::string page_of(const NewsArticle& a, std::string_view html_attrs = "") {
  std::string html = "<!DOCTYPE html><html" + std::string(html_attrs) +
                     "><head><meta charset=\"utf-8\"><title>" + a.headline +
                     "</title></head><body><nav><a href=\"/\">&#8962;</a></nav><article><h1>" +
                     a.headline + "</h1>";
  for (const std::string& p : a.paragraphs) html += "<p>" + p + "</p>";
  return html + "</article><footer>&copy; 2024</footer></body></html>";
}

std::string body_of(const NewsArticle& a) {
  std::string text;
  for (const std::string& p : a.paragraphs) text += (text.empty() ? "" : "\n") + p;
  return text;
}

std::size_t chars(std::string_view s) {
  std::size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

// The words of `s` that fit in `max` characters.
std::string first_words(std::string_view s, std::size_t max) {
  std::size_t end = 0, n = 0, last_space = 0;
  for (; end < s.size(); ++end) {
    if ((static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) continue;
    if (n == max) break;
    if (s[end] == ' ') last_space = end;
    ++n;
  }
  return std::string(s.substr(0, end == s.size() ? end : last_space));
}

// Right, unknown ("" : too short or unsure, so the rule's `languages` lets it
// through) and wrong, with what the wrong ones were taken for.
struct Tally {
  int right = 0, unknown = 0, wrong = 0;
  std::map<std::string, int> taken_for;
  void add(const std::string& want, const std::string& got) {
    if (got == want) {
      ++right;
    } else if (got.empty()) {
      ++unknown;
    } else {
      ++wrong;
      ++taken_for[got];
    }
  }
  int total() const { return right + unknown + wrong; }
  std::string cell() const {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%d/%d", right, total());
    std::string s = buf;
    if (unknown) s += " (" + std::to_string(unknown) + " none)";
    for (const auto& [code, n] : taken_for) s += " " + std::to_string(n) + "x" + code;
    return s;
  }
};

TEST(Language, TableOverBuiltPagesParagraphsAndHeadlines) {
  std::map<std::string, Tally> pages, paragraphs, headlines, prefixes;
  std::pair<std::size_t, std::size_t> paragraph_chars{~0u, 0}, headline_chars{~0u, 0};
  auto widen = [](std::pair<std::size_t, std::size_t>& range, std::string_view s) {
    range = {std::min(range.first, chars(s)), std::max(range.second, chars(s))};
  };
  for (const std::string& lang : kLanguages) {
    for (const NewsArticle& a : articles(lang)) {
      // The whole article as a page that declares nothing: through extraction.
      const std::string html = page_of(a);
      const PageText t = page_text({.bytes = html, .content_type = "text/html"});
      pages[lang].add(lang, t.language);
      EXPECT_EQ(t.language, lang) << a.headline;
      EXPECT_EQ(t.language_from, LanguageFrom::kText) << a.headline;
      for (const std::string& p : a.paragraphs) {
        paragraphs[lang].add(lang, identify_language("", "", p).code);
        widen(paragraph_chars, p);
        // Its first words, up to 40 characters: a feed's one-line teaser.
        const std::string cut = first_words(p, 40);
        prefixes[lang].add(lang, detect_language(cut).reliable ? detect_language(cut).code : "");
      }
      headlines[lang].add(lang, identify_language("", a.headline, "").code);
      widen(headline_chars, a.headline);
    }
  }
  const std::string paragraph_head = "paragraphs (" + std::to_string(paragraph_chars.first) + "-" +
                                     std::to_string(paragraph_chars.second) + " ch)";
  const std::string headline_head = "headlines (" + std::to_string(headline_chars.first) + "-" +
                                    std::to_string(headline_chars.second) + " ch)";
  std::printf("\n%-4s %-10s %-24s %-26s %s\n", "lang", "pages", paragraph_head.c_str(),
              headline_head.c_str(), "teasers (<=40 ch, detector alone)");
  Tally all_paragraphs, all_headlines;
  for (const std::string& lang : kLanguages) {
    std::printf("%-4s %-10s %-24s %-26s %s\n", lang.c_str(), pages[lang].cell().c_str(),
                paragraphs[lang].cell().c_str(), headlines[lang].cell().c_str(),
                prefixes[lang].cell().c_str());
    // A paragraph is a short article: at most one miss per language.
    EXPECT_LE(paragraphs[lang].wrong + paragraphs[lang].unknown, 1) << lang;
    all_paragraphs.right += paragraphs[lang].right;
    all_headlines.right += headlines[lang].right;
    all_headlines.wrong += headlines[lang].wrong;
    all_headlines.unknown += headlines[lang].unknown;
  }
  // Headlines are below kDecideChars: a page's declaration would win over them.
  // Alone, few are taken for another language.
  EXPECT_LE(all_headlines.wrong * 10, all_headlines.total());
}

// Same script, different languages: Arabic, Persian and Urdu are never taken
// for one another, not even Persian typed with the Arabic yeh and kaf (ي ك for
// ی ک), as many Persian sites and keyboards do.
TEST(Language, ArabicPersianUrduAreNotConfused) {
  auto arabic_letters = [](std::string s) {
    for (auto [from, to] : {std::pair{"ی", "ي"}, std::pair{"ک", "ك"}}) {
      for (std::size_t at; (at = s.find(from)) != std::string::npos;) {
        s.replace(at, std::string_view(from).size(), to);
      }
    }
    return s;
  };
  for (const std::string lang : {"ar", "fa", "ur"}) {
    for (const NewsArticle& a : articles(lang)) {
      EXPECT_EQ(identify_language("", a.headline, body_of(a)).code, lang) << a.headline;
      for (const std::string& p : a.paragraphs) {
        const std::string got = identify_language("", "", p).code;
        EXPECT_TRUE(got == lang || got.empty()) << lang << " taken for " << got << ": " << p;
      }
      if (lang == "fa") {
        EXPECT_EQ(
            identify_language("", arabic_letters(a.headline), arabic_letters(body_of(a))).code,
            "fa")
            << a.headline;
      }
    }
  }
}

// Confusable pairs in other scripts: each of these texts is taken for its own
// language, not the neighbour named.
TEST(Language, ConfusablePairsOfOtherScripts) {
  struct Case {
    const char* want;
    const char* not_this;
    const char* text;
  };
  const Case cases[] = {
      {"tr", "az",
       "Belediye meclisi dün akşam yaptığı toplantıda şehir merkezindeki otoparkların ücretlerini "
       "yüzde yirmi oranında artırma kararı aldı. Esnaf temsilcileri kararın alışverişi "
       "olumsuz etkileyeceğini söyledi."},
      {"de", "nl",
       "Die Stadtverwaltung hat am Montag beschlossen, die Parkgebühren in der Innenstadt um "
       "zwanzig Prozent zu erhöhen. Vertreter des Einzelhandels befürchten weniger Kunden."},
      {"fr", "en",
       "Le conseil municipal a décidé lundi d'augmenter de vingt pour cent le prix du "
       "stationnement dans le centre-ville. Les commerçants craignent une baisse de la "
       "fréquentation."},
      {"ru", "uk",
       "Городская администрация в понедельник решила повысить плату за парковку в центре "
       "города на двадцать процентов. Представители торговли опасаются оттока покупателей."},
      {"en", "fr",
       "The city council decided on Monday to raise parking charges in the town centre by "
       "twenty per cent. Shopkeepers fear that fewer customers will come."},
  };
  for (const Case& c : cases) {
    const DetectedLanguage d = detect_language(c.text);
    EXPECT_EQ(d.code, c.want) << c.text;
    EXPECT_NE(d.code, c.not_this);
    EXPECT_TRUE(d.reliable) << c.text;
  }
}

// The declaration is evidence, not the answer.
TEST(Language, DeclaredAgainstDetectedOnPages) {
  struct Case {
    const char* page;
    const char* declared;  // what the page says (Article::language)
    const char* want;
    LanguageFrom from;
  };
  const Case cases[] = {
      // An Arabic site whose English template says lang="en" (and og:locale en_US).
      {"ar_declared_en.html", "en", "ar", LanguageFrom::kText},
      // A site-wide og:locale on a page in another language.
      {"fr_og_locale_en.html", "en-GB", "fr", LanguageFrom::kText},
      // A Persian article on an Arabic template: same script, different language.
      {"fa_declared_ar.html", "ar", "fa", LanguageFrom::kText},
      // No declaration, long text: detected.
      {"en_no_lang.html", "", "en", LanguageFrom::kText},
      // A 30-character brief declared fr-FR: too short to overrule the page.
      {"fr_short_declared.html", "fr-FR", "fr", LanguageFrom::kDeclared},
      // No declaration, a few words: unknown (the rule's `languages` lets it through).
      {"ur_no_lang_tiny.html", "", "", LanguageFrom::kNone},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.page);
    const std::string bytes =
        test::read_fixture_file(test::fixture_path("language/pages") / c.page);
    const ExtractedPage p = extract_page({.bytes = bytes, .content_type = "text/html"});
    EXPECT_EQ(p.article.language, c.declared);
    const ChosenLanguage chosen =
        identify_language(p.article.language, p.article.title, p.article.text);
    EXPECT_EQ(chosen.code, c.want);
    EXPECT_EQ(chosen.from, c.from);
    const PageText t = page_text({.bytes = bytes, .content_type = "text/html"});
    EXPECT_EQ(t.language, c.want);
    EXPECT_EQ(t.language_from, c.from);
  }
}

TEST(Language, TheRuleOnTexts) {
  const std::string arabic = body_of(articles("ar")[0]);
  struct Case {
    const char* name;
    std::string declared, title, text;
    std::string want;
    LanguageFrom from;
  };
  const Case cases[] = {
      {"long Arabic declared en", "en", "", arabic, "ar", LanguageFrom::kText},
      {"long Arabic declared ar-LY", "ar-LY", "", arabic, "ar", LanguageFrom::kText},
      {"30 characters declared fr", "fr", "", "Le pont rouvre lundi à l'aube.", "fr",
       LanguageFrom::kDeclared},
      {"short Arabic declared en: the page wins", "en", "", "قال الرئيس إن الحكومة ستعمل", "en",
       LanguageFrom::kDeclared},
      {"short text declared ar_EG, normalized", "ar_EG", "", "وصل الوفد", "ar",
       LanguageFrom::kDeclared},
      {"no declaration, long text", "", "", arabic, "ar", LanguageFrom::kText},
      {"no declaration, a headline", "", "Правительство объявило о новых мерах поддержки", "", "ru",
       LanguageFrom::kText},
      {"no declaration, tiny text", "", "", "hello", "", LanguageFrom::kNone},
      {"no declaration, no text", "", "", "", "", LanguageFrom::kNone},
      {"a declaration that is no language", "und", "", "ok", "", LanguageFrom::kNone},
      {"digits only, declared de", "de", "", std::string(300, '7'), "de", LanguageFrom::kDeclared},
  };
  for (const Case& c : cases) {
    const ChosenLanguage got = identify_language(c.declared, c.title, c.text);
    EXPECT_EQ(got.code, c.want) << c.name;
    EXPECT_EQ(got.from, c.from) << c.name;
  }
  EXPECT_EQ(language_from_name(LanguageFrom::kText), "text");
  EXPECT_EQ(language_from_name(LanguageFrom::kDeclared), "declared");
  EXPECT_EQ(language_from_name(LanguageFrom::kNone), "");
}

// The threshold: a reliable detection decides from kDecideChars characters on;
// one character less and the declaration stands.
TEST(Language, TheThresholdIsCharactersNotBytes) {
  const DetectedLanguage ar{.code = "ar", .percent = 99, .reliable = true};
  EXPECT_EQ(choose_language("en", ar, kDecideChars).code, "ar");
  EXPECT_EQ(choose_language("en", ar, kDecideChars - 1).code, "en");
  EXPECT_EQ(choose_language("", ar, kMinDetectChars).code, "ar");
  EXPECT_EQ(choose_language("", ar, kMinDetectChars - 1).code, "");
  const DetectedLanguage unsure{.code = "ar", .percent = 60, .reliable = false};
  EXPECT_EQ(choose_language("en", unsure, 5000).code, "en");
  EXPECT_EQ(choose_language("", unsure, 5000).code, "");
  // 250 Arabic letters are 500 bytes but 250 characters: over the threshold.
  const std::string arabic = body_of(articles("ar")[0]);
  std::string cut;
  for (std::size_t i = 0; i < arabic.size(); ++i) {
    const bool continuation = (static_cast<unsigned char>(arabic[i]) & 0xC0) == 0x80;
    if (!continuation && chars(cut) == kDecideChars) break;
    cut += arabic[i];
  }
  ASSERT_EQ(chars(cut), kDecideChars);
  ASSERT_LT(kDecideChars * 3 / 2, cut.size());
  EXPECT_EQ(identify_language("en", "", cut).from, LanguageFrom::kText);
}

TEST(Language, CodesAreNormalized) {
  const std::pair<const char*, const char*> cases[] = {
      {"ar", "ar"},     {"ar-LY", "ar"},   {"ar_EG", "ar"},    {"AR", "ar"}, {"en-US", "en"},
      {" fa-IR", "fa"}, {"zh-Hant", "zh"}, {"zh-TW", "zh"},    {"iw", "he"}, {"in", "id"},
      {"ji", "yi"},     {"jw", "jv"},      {"chr", "chr"},     {"un", ""},   {"und", ""},
      {"xxx", ""},      {"x-klingon", ""}, {"*", ""},          {"", ""},     {"e", ""},
      {"arabic", ""},   {"en,fr", "en"},   {"fr;q=0.8", "fr"}, {"12", ""},
  };
  for (auto [tag, want] : cases) EXPECT_EQ(normalize_language_code(tag), want) << tag;
}

TEST(Language, DetectableLanguages) {
  for (const std::string& lang : kLanguages) EXPECT_TRUE(detectable_language(lang)) << lang;
  for (const char* yes : {"he", "zh", "ps", "ku", "sw"})
    EXPECT_TRUE(detectable_language(yes)) << yes;
  for (const char* no : {"ara", "per", "tlh", "zzp", "un", "xx", ""})
    EXPECT_FALSE(detectable_language(no)) << no;
}

TEST(Language, AnyBytesIn) {
  // Invalid UTF-8 after an Arabic paragraph: the valid part is detected.
  const std::string arabic = body_of(articles("ar")[1]);
  EXPECT_EQ(detect_language(arabic + "\xFF\xFE\xC0").code, "ar");
  EXPECT_EQ(detect_language("\xFF\xFE" + arabic).code, "");
  EXPECT_EQ(detect_language("").code, "");
  // Far past kDetectBytes, and cut inside a character: still Arabic.
  std::string big;
  while (big.size() < 3 * kDetectBytes) big += arabic + "\n";
  EXPECT_EQ(detect_language(big).code, "ar");
  EXPECT_EQ(detect_language(big.substr(0, kDetectBytes + 1)).code, "ar");
}

// The sample of a long article: within kDetectBytes, valid UTF-8, the title,
// the opening and a piece of the middle, each cut at a space.
TEST(Language, TheSampleOfALongArticle) {
  const NewsArticle a = articles("fa")[0];
  std::string text;
  for (const NewsArticle& b : articles("fa")) text += body_of(b) + "\n";
  const std::string sample = detection_sample(a.headline, text);
  EXPECT_LE(sample.size(), kDetectBytes);
  EXPECT_GE(sample.size(), kDetectBytes - 64);
  EXPECT_TRUE(sample.starts_with(a.headline + "\n" + a.paragraphs[0].substr(0, 40))) << sample;
  const std::string middle = sample.substr(sample.rfind('\n') + 1);
  EXPECT_NE(text.find(middle), std::string::npos);
  EXPECT_GT(text.find(middle), text.size() / 3);
  EXPECT_EQ(detect_language(sample).code, "fa");  // valid UTF-8: CLD2 would refuse it otherwise
  for (const std::string& piece : {sample.substr(a.headline.size() + 1), middle}) {
    EXPECT_NE(piece.back(), ' ');
    EXPECT_TRUE(text.find(piece + " ") != std::string::npos ||
                text.find(piece + "\n") != std::string::npos ||
                text.find(piece.substr(0, piece.find('\n')) + " ") != std::string::npos)
        << piece;
  }
  // A short article is all of it.
  EXPECT_EQ(detection_sample("Title", "Text."), "Title\nText.");
  EXPECT_EQ(detection_sample("", "Text."), "Text.");
}

// The extraction set's pages, each identified from its own text; their
// declarations are right, so the text and the declaration agree.
TEST(Language, ExtractionSetPages) {
  namespace fs = std::filesystem;
  std::map<std::string, Tally> by_language;
  for (const auto& entry : fs::directory_iterator(test::fixture_path("extract"))) {
    if (entry.path().extension() != ".html") continue;
    const fs::path meta_path = fs::path(entry.path()).replace_extension(".meta.json");
    if (!fs::exists(meta_path)) continue;
    const auto meta = nlohmann::json::parse(test::read_fixture_file(meta_path));
    std::string want = normalize_language_code(meta.value("language", ""));
    // The one page that declares no language; its text is Arabic.
    if (entry.path().stem() == "portal_cp1256") {
      EXPECT_EQ(want, "");
      want = "ar";
    }
    const std::string bytes = test::read_fixture_file(entry.path());
    const PageText p = page_text({.bytes = bytes, .content_type = "text/html"});
    by_language[want].add(want, p.language);
    EXPECT_EQ(p.language, want) << entry.path().filename();
    if (chars(p.text) >= kDecideChars) {
      EXPECT_EQ(p.language_from, LanguageFrom::kText) << entry.path().filename();
    }
    // Without their declaration, too.
    EXPECT_EQ(identify_language("", p.title, p.text).code, want) << entry.path().filename();
  }
  std::printf("\ntests/data/extract:");
  for (const auto& [lang, t] : by_language) std::printf(" %s %s;", lang.c_str(), t.cell().c_str());
  std::printf("\n");
  EXPECT_GE(by_language.size(), 7u);
}

// Feed-only items (no page) are identified from the feed's words.
TEST(Language, FeedTextIsIdentified) {
  const NewsArticle a = articles("ur")[2];
  const std::string html = "<p>" + a.paragraphs[0] + "</p><p>" + a.paragraphs[1] + "</p>";
  const PageText t = feed_text({.title = a.headline, .html = html});
  EXPECT_EQ(t.language, "ur");
  EXPECT_EQ(t.language_from, LanguageFrom::kText);
  const PageText tiny = feed_text({.title = "Update", .html = "<p>More soon.</p>"});
  EXPECT_EQ(tiny.language, "");
  EXPECT_EQ(tiny.language_from, LanguageFrom::kNone);
}

}  // namespace
}  // namespace nw
