#include "filters/matcher.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include "filters/normalize.h"
#include "tests/support/files.h"

namespace nw {
namespace {

Rule rule(std::string id, std::string query) {
  Rule r;
  r.id = std::move(id);
  r.query = std::move(query);
  r.query_pos = {"test.toml", 1, 10};
  return r;
}

// "r<i>", built without "r" + std::to_string(i) (a GCC 12 -Wrestrict false positive).
std::string numbered(int i) {
  std::string id = std::to_string(i);
  id.insert(0, 1, 'r');
  return id;
}

std::shared_ptr<const Matcher> compile_one(Rule r) {
  std::vector<Watchlist> lists{{"test", "test.toml", {std::move(r)}}};
  auto m = Matcher::compile(lists);
  if (!m) ADD_FAILURE() << m.error().message;
  return m ? *m : nullptr;
}

// Matched words of the one rule, or {"<no hit>"}.
std::vector<std::string> matched(const Rule& r, std::string_view title, std::string_view body) {
  auto m = compile_one(r);
  if (!m) return {"<no matcher>"};
  auto hits = m->match(Document{.title = title, .body = body, .source = "src", .language = "ar"});
  if (hits.empty()) return {"<no hit>"};
  EXPECT_EQ(hits.size(), 1u);
  return hits[0].matched;
}

using Words = std::vector<std::string>;
const Words kNoHit{"<no hit>"};

struct MatchCase {
  const char* what;
  const char* query;
  const char* body;
  Words want;  // matched words, or kNoHit
};

class MatchTest : public testing::TestWithParam<MatchCase> {};

TEST_P(MatchTest, MatchesAsExpected) {
  const auto& c = GetParam();
  EXPECT_EQ(matched(rule("r", c.query), "", c.body), c.want)
      << c.what << ": " << c.query << " ~ " << c.body;
}

INSTANTIATE_TEST_SUITE_P(
    Operators, MatchTest,
    testing::Values(
        MatchCase{"term", "Haftar", "Field Marshal Haftar arrived.", {"Haftar"}},
        MatchCase{"whole tokens only", "Haft", "Field Marshal Haftar arrived.", kNoHit},
        MatchCase{"case folded", "HAFTAR", "haftar arrived", {"haftar"}},
        MatchCase{"implicit AND", "Haftar Cairo", "Haftar flew to Cairo", {"Haftar", "Cairo"}},
        MatchCase{"implicit AND needs both", "Haftar Cairo", "Haftar flew to Rome", kNoHit},
        MatchCase{"AND", "Haftar AND Cairo", "Cairo hosted Haftar", {"Cairo", "Haftar"}},
        MatchCase{"OR either", "Haftar OR Sisi", "Sisi spoke", {"Sisi"}},
        MatchCase{"OR both, text order", "Sisi OR Haftar", "Haftar and Sisi", {"Haftar", "Sisi"}},
        MatchCase{"OR neither", "Haftar OR Sisi", "Nobody spoke", kNoHit},
        MatchCase{"NOT excludes", "Haftar NOT Sisi", "Haftar met Sisi", kNoHit},
        MatchCase{"NOT absent", "Haftar NOT Sisi", "Haftar met Dbeibah", {"Haftar"}},
        MatchCase{"precedence: a OR b AND c (a)", "Rome OR Haftar AND Cairo", "in Rome", {"Rome"}},
        MatchCase{"precedence: a OR b AND c (b only)", "Rome OR Haftar AND Cairo", "Haftar alone",
                  kNoHit},
        MatchCase{
            "parentheses", "(Rome OR Haftar) AND Cairo", "Haftar in Cairo", {"Haftar", "Cairo"}},
        MatchCase{"parentheses exclude", "(Rome OR Haftar) AND Cairo", "Haftar in Rome", kNoHit},
        MatchCase{"negative OR branch under AND",
                  "Haftar (Cairo OR NOT Rome)",
                  "Haftar in Tripoli",
                  {"Haftar"}},
        MatchCase{
            "lower-case and is a word", "war and peace", "war and peace", {"war", "and", "peace"}},
        MatchCase{"lower-case and is required", "war and peace", "war, peace", kNoHit},
        MatchCase{
            "phrase", "\"Khalifa Haftar\"", "Marshal Khalifa Haftar said", {"Khalifa Haftar"}},
        MatchCase{"phrase needs order", "\"Khalifa Haftar\"", "Haftar Khalifa said", kNoHit},
        MatchCase{"phrase needs adjacency", "\"Khalifa Haftar\"", "Khalifa Belqasim Haftar",
                  kNoHit},
        MatchCase{"phrase across punctuation",
                  "\"Khalifa Haftar\"",
                  "Khalifa, Haftar",
                  {"Khalifa, Haftar"}},
        MatchCase{"hyphenated term is a phrase", "al-Sisi", "President al Sisi", {"al Sisi"}},
        MatchCase{"NOT phrase", "Haftar NOT \"Khalifa Haftar\"", "Khalifa Haftar", kNoHit},
        MatchCase{"prefix", "Haft*", "Haftar's forces; Haft", {"Haftar", "Haft"}},
        MatchCase{"prefix is a prefix", "Haft*", "Khaftar", kNoHit},
        MatchCase{"prefix as last word of a phrase",
                  "al-Sis*",
                  "al Sisi; Sisi; al Sis",
                  {"al Sisi", "al Sis"}},
        MatchCase{"prefix and exact word together",
                  "Haft* Cairo",
                  "Haftarist in Cairo",
                  {"Haftarist", "Cairo"}},
        // NEAR/n: either order, at most n positions apart (NEAR/1: adjacent).
        MatchCase{
            "NEAR in reach", "Haftar NEAR/3 Cairo", "Haftar flew to Cairo", {"Haftar", "Cairo"}},
        MatchCase{
            "NEAR reversed", "Cairo NEAR/3 Haftar", "Haftar flew to Cairo", {"Haftar", "Cairo"}},
        MatchCase{"NEAR out of reach", "Haftar NEAR/2 Cairo", "Haftar flew to Cairo", kNoHit},
        MatchCase{"NEAR/1 is adjacent", "Haftar NEAR/1 Cairo", "Cairo Haftar", {"Cairo", "Haftar"}},
        MatchCase{"NEAR needs two tokens", "Haftar NEAR/3 Haftar", "Haftar spoke", kNoHit},
        MatchCase{"NEAR same word twice", "Haftar NEAR/3 Haftar", "Haftar met Haftar", {"Haftar"}},
        MatchCase{"NEAR marks only close pairs",
                  "Haftar NEAR/2 Cairo",
                  "Haftar went home. Much later, in Cairo, Haftar spoke",
                  {"Cairo", "Haftar"}},
        MatchCase{"NEAR with phrase",
                  "\"Khalifa Haftar\" NEAR/2 Cairo",
                  "Khalifa Haftar in Cairo",
                  {"Khalifa Haftar", "Cairo"}},
        MatchCase{"NEAR phrase distance from its end", "\"Khalifa Haftar\" NEAR/1 Cairo",
                  "Khalifa Haftar in Cairo", kNoHit},
        MatchCase{"NEAR with prefix",
                  "Haft* NEAR/3 Cair*",
                  "Haftarist flew to Cairene",
                  {"Haftarist", "Cairene"}},
        MatchCase{"NEAR with OR sides",
                  "(Sisi OR Haftar) NEAR/2 (Rome OR Cairo)",
                  "Haftar in Cairo",
                  {"Haftar", "Cairo"}},
        MatchCase{
            "ONEAR in order", "Haftar ONEAR/3 Cairo", "Haftar flew to Cairo", {"Haftar", "Cairo"}},
        MatchCase{"ONEAR wrong order", "Cairo ONEAR/3 Haftar", "Haftar flew to Cairo", kNoHit},
        MatchCase{"NEAR under AND",
                  "Libya Haftar NEAR/3 Cairo",
                  "Libya: Haftar flew to Cairo",
                  {"Libya", "Haftar", "Cairo"}},
        MatchCase{
            "NOT NEAR", "Haftar NOT (Haftar NEAR/2 Cairo)", "Haftar flew to Cairo", {"Haftar"}},
        // word~1: one code point inserted, deleted or replaced, words of 5+ letters.
        MatchCase{"fuzzy exact", "Haftar~1", "Haftar spoke", {"Haftar"}},
        MatchCase{"fuzzy substitution", "Haftar~1", "Hafter spoke", {"Hafter"}},
        MatchCase{"fuzzy deletion", "Haftar~1", "Haftr spoke", {"Haftr"}},
        MatchCase{"fuzzy insertion", "Haftar~1", "Hafttar spoke", {"Hafttar"}},
        MatchCase{"fuzzy two edits miss", "Haftar~1", "Hefter spoke", kNoHit},
        MatchCase{"fuzzy transposition is two edits", "Haftar~1", "Hatfar spoke", kNoHit},
        MatchCase{"fuzzy arabic", "السراج~1", "فايز السراح", {"السراح"}},
        MatchCase{"fuzzy arabic behind proclitic", "السراج~1", "التقى بالسراح", {"بالسراح"}},
        // =term: no proclitic variants for that word only.
        MatchCase{"= no proclitic", "=حفتر", "التقى السيسي وحفتر", kNoHit},
        MatchCase{"= word itself", "=حفتر", "التقى حفتر", {"حفتر"}},
        MatchCase{"= only that word", "=حفتر القاهرة", "حفتر في للقاهرة", {"حفتر", "للقاهرة"}},
        MatchCase{"= phrase", "=\"خليفة حفتر\"", "لخليفة حفتر", kNoHit},
        // source: and lang: (the document is source "src", language "ar").
        MatchCase{"source: matches", "Haftar source:src", "Haftar", {"Haftar"}},
        MatchCase{"source: other", "Haftar source:other", "Haftar", kNoHit},
        MatchCase{"source: group", "Haftar source:(x OR SRC)", "Haftar", {"Haftar"}},
        MatchCase{"lang: matches", "Haftar lang:ar", "Haftar", {"Haftar"}},
        MatchCase{"lang: other", "Haftar lang:en", "Haftar", kNoHit},
        MatchCase{"NOT lang:", "Haftar NOT lang:en", "Haftar", {"Haftar"}},
        MatchCase{"lang: in OR under AND", "Haftar (Cairo OR lang:ar)", "Haftar", {"Haftar"}}));

INSTANTIATE_TEST_SUITE_P(
    Arabic, MatchTest,
    testing::Values(
        // Proclitics on the term, found in the dictionary (sample 003 words).
        MatchCase{"و + حفتر", "حفتر", "التقى السيسي وحفتر اليوم", {"وحفتر"}},
        MatchCase{"لل + القاهرة", "القاهرة", "وصل للقاهرة", {"للقاهرة"}},
        MatchCase{"بال + القاهرة", "القاهرة", "اجتماع بالقاهرة", {"بالقاهرة"}},
        MatchCase{"وال + القاهرة", "القاهرة", "طرابلس والقاهرة", {"والقاهرة"}},
        MatchCase{"وبال + القاهرة", "القاهرة", "وبالقاهرة اجتماع", {"وبالقاهرة"}},
        MatchCase{"term without ال takes ال", "قاهرة", "في القاهرة", {"القاهرة"}},
        MatchCase{"no suffix stripping", "حفتر", "الحفتري", kNoHit},
        MatchCase{"the text is not stripped", "وصل", "فصل", kNoHit},
        MatchCase{
            "phrase words take proclitics", "\"خليفة حفتر\"", "لخليفة وحفتر", {"لخليفة وحفتر"}},
        MatchCase{"phrase with tatweel and harakat",
                  "\"خَلِيفَة حفتر\"",
                  "المشير خليفة حفـــتر",
                  {"خليفة حفـــتر"}},
        // Spelling variants.
        MatchCase{
            "hamza bare: المسؤولين = المسئولين", "المسؤولين", "عدد من المسئولين", {"المسئولين"}},
        MatchCase{"hamza bare, reverse", "المسئولين", "عدد من المسؤولين", {"المسؤولين"}},
        MatchCase{
            "hamza carrier: فايز = فائز", "\"فايز السراج\"", "حكومة فائز السراج", {"فائز السراج"}},
        MatchCase{"hamza carrier, reverse", "فائز", "فايز السراج", {"فايز"}},
        MatchCase{"bare hamza behind ولل", "المسؤولين", "وللمسئولين", {"وللمسئولين"}},
        MatchCase{"hamza with proclitic", "مسؤولين", "والمسئولين", {"والمسئولين"}},
        MatchCase{"alef forms", "إبراهيم", "ابراهيم", {"ابراهيم"}},
        MatchCase{"yeh/alef maksura", "في ليبيا", "فى ليبيا", {"فى", "ليبيا"}},
        MatchCase{"teh marbuta", "القاهره", "القاهرة", {"القاهرة"}},
        MatchCase{"digits", "2020", "يونيو ٢٠٢٠", {"٢٠٢٠"}},
        MatchCase{
            "arabic prefix, proclitic and bare hamza", "مسؤول*", "عدد من المسئولين", {"المسئولين"}},
        MatchCase{"arabic prefix, carrier", "فايز*", "فائزون", {"فائزون"}}));

// Words as Arabic web text writes them (filters/normalize.h tokenize): each
// case with a near miss that must not match.
INSTANTIATE_TEST_SUITE_P(
    WebText, MatchTest,
    testing::Values(
        MatchCase{"full stop, no space", "وقال", "الصحيفة المصرية.وقال المصدر", {"وقال"}},
        MatchCase{
            "full stop, no space: the word before", "المصرية", "الصحيفة المصرية.وقال", {"المصرية"}},
        MatchCase{"a domain stays one word", "bbc", "according to bbc.com", kNoHit},
        MatchCase{"a domain as written", "bbc.com", "according to bbc.com", {"bbc.com"}},
        MatchCase{"a decimal stays one number", "3", "نمو 3.5 بالمئة", kNoHit},
        MatchCase{"an abbreviation stays one word", "\"U S\"", "the U.S. envoy", kNoHit},
        MatchCase{"narrow no-break space", "الخارجية", "وزير\u202Fالخارجية", {"الخارجية"}},
        MatchCase{"hashtag", "الكرامة", "#طوفان_الكرامة", {"الكرامة"}},
        MatchCase{"hashtag as a phrase", "\"طوفان الكرامة\"", "#طوفان_الكرامة", {"طوفان_الكرامة"}},
        MatchCase{"hashtag as written", "#طوفان_الكرامة", "عملية طوفان الكرامة", {"طوفان الكرامة"}},
        MatchCase{"hashtag: no half word", "طوفان_الكرامة", "طوفان الأقصى", kNoHit},
        MatchCase{"Gregorian year", "2016", "في عام ٢٠١٦م", {"٢٠١٦"}},
        MatchCase{"Hijri year", "1437", "عام ١٤٣٧هـ", {"١٤٣٧"}},
        MatchCase{"another year", "2016", "في عام ٢٠١٧م", kNoHit},
        MatchCase{"ل + اللجنة", "اللجنة", "قدم الطلب للجنة المختصة", {"للجنة"}},
        MatchCase{"و + ل + اللجنة", "اللجنة", "وللجنة رأي", {"وللجنة"}},
        MatchCase{"و + ب + ال + لجنة", "لجنة", "وباللجنة أعضاء", {"وباللجنة"}},
        MatchCase{"ل + الله", "الله", "الحمد لله", {"لله"}},
        MatchCase{"three lams are not a spelling", "اللجنة", "لللجنة", kNoHit},
        MatchCase{"=exact takes no proclitic", "=اللجنة", "قدم الطلب للجنة", kNoHit}));

INSTANTIATE_TEST_SUITE_P(
    Latin, MatchTest,
    testing::Values(MatchCase{"possessive", "Obama", "Obama's visit", {"Obama"}},
                    MatchCase{"possessive, curly", "Obama", "Obama’s visit", {"Obama"}},
                    MatchCase{"possessive as written", "Obama's", "Obama’s visit", {"Obama’s"}},
                    MatchCase{"elision", "État", "l'État islamique", {"État"}},
                    MatchCase{"elision, curly", "état", "l’État islamique", {"État"}},
                    MatchCase{"italian elision", "Italia", "dell’Italia", {"Italia"}},
                    MatchCase{"Turkish dotted capital", "istanbul", "İstanbul'da", {"İstanbul"}},
                    MatchCase{"Turkish upper", "İstanbul", "ISTANBUL", {"ISTANBUL"}},
                    MatchCase{"sharp s", "STRASSE", "die Straße", {"Straße"}},
                    MatchCase{"sharp s, reverse", "straße", "STRASSE", {"STRASSE"}},
                    MatchCase{"accents not folded", "etat", "l'État", kNoHit},
                    MatchCase{"no Arabic proclitics on Latin", "Obama", "wObama", kNoHit}));

TEST(Matcher, FoldAccentsIsPerRule) {
  Rule folding = rule("fold", "etat OR Lodz OR Muller");
  folding.fold_accents = true;
  EXPECT_EQ(matched(folding, "", "l'État, Łódź et Müller"), (Words{"État", "Łódź", "Müller"}));
  EXPECT_EQ(matched(rule("plain", "etat OR Lodz OR Muller"), "", "l'État, Łódź et Müller"), kNoHit);
  // Both sides fold: an accented rule word matches the bare spelling too.
  Rule accented = rule("fold2", "état");
  accented.fold_accents = true;
  EXPECT_EQ(matched(accented, "", "ETAT et Etat"), (Words{"ETAT", "Etat"}));
  Rule prefix = rule("fold3", "gén*");
  prefix.fold_accents = true;
  EXPECT_EQ(matched(prefix, "", "le General"), (Words{"General"}));
}

TEST(Matcher, NearSpansAndSnippet) {
  auto m = compile_one(rule("near", "حفتر NEAR/3 القاهرة"));
  ASSERT_TRUE(m);
  const std::string body =
      "خبر أول. وصل المشير حفتر إلى القاهرة اليوم وسط ترقب كبير. حفتر بعيد جدا جدا جدا جدا عن "
      "القاهرة.";
  auto hits = m->match({.title = "", .body = body, .source = "", .language = "ar"});
  ASSERT_EQ(hits.size(), 1u);
  ASSERT_EQ(hits[0].spans.size(), 2u);
  EXPECT_EQ(body.substr(hits[0].spans[0].begin, hits[0].spans[0].end - hits[0].spans[0].begin),
            "حفتر");
  EXPECT_EQ(body.substr(hits[0].spans[1].begin, hits[0].spans[1].end - hits[0].spans[1].begin),
            "القاهرة");
  EXPECT_EQ(hits[0].matched, (Words{"حفتر", "القاهرة"}));
  EXPECT_EQ(hits[0].snippet, "وصل المشير حفتر إلى القاهرة اليوم وسط ترقب كبير.");
}

TEST(Matcher, NearDoesNotSpanTitleAndBody) {
  EXPECT_EQ(matched(rule("r", "Haftar NEAR/3 Cairo"), "News of Haftar", "Cairo said"), kNoHit);
  EXPECT_EQ(matched(rule("r", "Haftar NEAR/3 Cairo"), "Haftar in Cairo", ""),
            (Words{"Haftar", "Cairo"}));
}

TEST(Matcher, ManyAnchorsStillFindEveryMatch) {
  // Rules with 1, 2, 3 and more required parts are stored under their rarest
  // part and checked for the others; each must match when all are present.
  std::vector<Watchlist> lists{
      {"t",
       "t.toml",
       {rule("one", "Haftar"), rule("two", "Haftar Cairo"),
        rule("three", "\"Khalifa Haftar\" Cairo"), rule("four", "Khalifa Haftar Cairo Sisi"),
        rule("or", "(Rome OR Cairo) Haftar Sisi"), rule("near", "Sisi NEAR/5 (Rome OR Cairo)")}}};
  auto m = Matcher::compile(lists);
  ASSERT_TRUE(m.has_value());
  auto ids = [&](std::string_view body) {
    std::vector<std::string> out;
    for (const Hit& h : (*m)->match({.title = "", .body = body, .source = "", .language = ""}))
      out.push_back(h.rule);
    return out;
  };
  EXPECT_EQ(ids("Khalifa Haftar met Sisi in Cairo"),
            (Words{"one", "two", "three", "four", "or", "near"}));
  EXPECT_EQ(ids("Haftar met Sisi in Cairo"), (Words{"one", "two", "or", "near"}));
  EXPECT_EQ(ids("Khalifa and Haftar in Cairo"), (Words{"one", "two"}));
  EXPECT_EQ(ids("Cairo"), Words{});
}

TEST(Matcher, ExactRuleHasNoProclitics) {
  Rule r = rule("r", "القاهرة");
  r.exact = true;
  EXPECT_EQ(matched(r, "", "وصل للقاهرة"), kNoHit);
  EXPECT_EQ(matched(r, "", "وصل القاهرة"), Words{"القاهرة"});
  // Spelling normalization still applies.
  EXPECT_EQ(matched(r, "", "وصل القاهره"), Words{"القاهره"});
}

TEST(Matcher, ExactAndNonExactRulesShareNothingWrongly) {
  Rule exact = rule("exact", "حفتر");
  exact.exact = true;
  std::vector<Watchlist> lists{{"w", "w.toml", {exact, rule("loose", "حفتر")}}};
  auto m = Matcher::compile(lists);
  ASSERT_TRUE(m.has_value());
  auto hits = (*m)->match({.title = "", .body = "وحفتر", .source = "", .language = ""});
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].rule, "loose");
}

TEST(Matcher, TitleAndBodyBothMatchButPhrasesDoNotSpanThem) {
  EXPECT_EQ(matched(rule("r", "Haftar Cairo"), "Haftar arrives", "He landed in Cairo"),
            (Words{"Haftar", "Cairo"}));
  EXPECT_EQ(matched(rule("r", "\"arrives He\""), "Haftar arrives", "He landed in Cairo"), kNoHit);
  EXPECT_EQ(matched(rule("r", "title:Cairo"), "Haftar arrives", "He landed in Cairo"), kNoHit);
  EXPECT_EQ(matched(rule("r", "title:Haftar body:Cairo"), "Haftar arrives", "He landed in Cairo"),
            (Words{"Haftar", "Cairo"}));
  EXPECT_EQ(matched(rule("r", "body:\"landed in\""), "landed in", "He landed in Cairo"),
            Words{"landed in"});
}

TEST(Matcher, SpansPointAtTheOriginalText) {
  auto m = compile_one(rule("r", "حفتر OR \"in Cairo\""));
  ASSERT_TRUE(m);
  const std::string title = "حفتر في القاهرة";
  const std::string body = "Haftar, in Cairo; وحفتر in Cairo.";
  auto hits = m->match({.title = title, .body = body, .source = "", .language = ""});
  ASSERT_EQ(hits.size(), 1u);
  const Hit& h = hits[0];
  EXPECT_EQ(h.matched, (Words{"حفتر", "in Cairo", "وحفتر"}));
  ASSERT_EQ(h.spans.size(), 4u);
  std::vector<std::string> texts;
  for (const auto& s : h.spans) {
    const std::string& field = s.field == MatchSpan::Field::kTitle ? title : body;
    texts.push_back(field.substr(s.begin, s.end - s.begin));
  }
  EXPECT_EQ(texts, (Words{"حفتر", "in Cairo", "وحفتر", "in Cairo"}));
  EXPECT_EQ(h.spans[0].field, MatchSpan::Field::kTitle);
  EXPECT_EQ(h.spans[1].field, MatchSpan::Field::kBody);
  EXPECT_EQ(h.snippet, title);
}

// The sample article: both spellings of المسؤولين, proclitics, phrase and the
// snippet (sentence of the first match, title before body).
TEST(Matcher, SampleArticleMatchedWordsAndSnippet) {
  const std::string text = test::read_arabic_sample("003_1c09f43d1289937b.txt");
  const std::size_t nl = text.find('\n');
  const std::string title = text.substr(0, nl);
  const std::string body = text.substr(nl + 1);

  std::vector<Watchlist> lists{
      {"libya",
       "libya.toml",
       {rule("officials", "المسئولين"), rule("haftar-cairo", "حفتر AND القاهرة"),
        rule("sarraj", "\"فايز السراج\" OR \"فائز سراج\""), rule("absent", "طرابلس NOT حفتر"),
        rule("geneva", "جنيف NOT روما")}}};
  auto m = Matcher::compile(lists);
  ASSERT_TRUE(m.has_value()) << m.error().message;
  EXPECT_EQ((*m)->rule_count(), 5u);

  auto body_hits = (*m)->match({.title = "", .body = body, .source = "alrasifa", .language = "ar"});
  std::map<std::string, Hit> by_rule;
  for (auto& h : body_hits) by_rule[h.rule] = h;
  EXPECT_EQ(by_rule.count("absent"), 0u);
  ASSERT_EQ(by_rule.size(), 4u);

  const Hit& officials = by_rule["officials"];
  EXPECT_EQ(officials.watchlist, "libya");
  EXPECT_EQ(officials.matched, (Words{"المسؤولين", "المسئولين"}));
  EXPECT_EQ(officials.spans.size(), 4u);
  EXPECT_EQ(officials.snippet, "حفتر يصل القاهرة للقاء عدد من المسؤولين المصريين");

  const Hit& haftar = by_rule["haftar-cairo"];
  EXPECT_EQ(haftar.matched, (Words{"حفتر", "القاهرة"}));
  EXPECT_EQ(haftar.snippet, "حفتر يصل القاهرة للقاء عدد من المسؤولين المصريين");

  const Hit& sarraj = by_rule["sarraj"];
  EXPECT_EQ(sarraj.matched, Words{"فائز السراج"});
  EXPECT_LE(sarraj.snippet.size(), 300u);
  EXPECT_NE(sarraj.snippet.find("فائز السراج"), std::string::npos);
  EXPECT_NE(sarraj.snippet.find("رئيس حكومة الوفاق"), std::string::npos) << sarraj.snippet;

  // With the title: its words come first and the snippet is the title.
  auto hits = (*m)->match({.title = title, .body = body, .source = "alrasifa", .language = "ar"});
  for (const auto& h : hits) {
    if (h.rule != "haftar-cairo") continue;
    EXPECT_EQ(h.spans.front().field, MatchSpan::Field::kTitle);
    EXPECT_EQ(h.snippet, title);
  }
}

TEST(Matcher, SourcesAndLanguagesRestrictRules) {
  Rule only_src = rule("src", "Haftar");
  only_src.sources = {"reuters", "aljazeera"};
  Rule only_ar = rule("ar", "Haftar");
  only_ar.languages = {"ar"};
  std::vector<Watchlist> lists{{"w", "w.toml", {only_src, only_ar, rule("all", "Haftar")}}};
  auto m = Matcher::compile(lists);
  ASSERT_TRUE(m.has_value());
  auto rules_hit = [&](std::string_view source, std::string_view language) {
    std::vector<std::string> out;
    for (const auto& h :
         (*m)->match({.title = "", .body = "Haftar", .source = source, .language = language})) {
      out.push_back(h.rule);
    }
    return out;
  };
  EXPECT_EQ(rules_hit("reuters", "en"), (Words{"src", "all"}));
  EXPECT_EQ(rules_hit("bbc", "ar"), (Words{"ar", "all"}));
  EXPECT_EQ(rules_hit("aljazeera", "AR-eg"), (Words{"src", "ar", "all"}));
  EXPECT_EQ(rules_hit("bbc", "arz"), (Words{"all"}));
  // A page that declares no language passes `languages` (`lang:` still needs one).
  EXPECT_EQ(rules_hit("bbc", ""), (Words{"ar", "all"}));
  Rule lang_term = rule("lang-term", "Haftar lang:ar");
  std::vector<Watchlist> with_term{{"w", "w.toml", {lang_term}}};
  auto t = Matcher::compile(with_term);
  ASSERT_TRUE(t.has_value());
  EXPECT_TRUE((*t)->match({.title = "", .body = "Haftar", .source = "", .language = ""}).empty());
  EXPECT_EQ((*t)->match({.title = "", .body = "Haftar", .source = "", .language = "ar"}).size(),
            1u);
}

TEST(Matcher, CompileReportsEveryBadRule) {
  Rule a = rule("a", "Haftar AND");
  a.query_pos = {"lists/libya.toml", 4, 10};
  Rule b = rule("b", "Haftar");
  Rule c = rule("c", "NOT Sisi");
  c.query_pos = {"lists/libya.toml", 9, 12};
  Rule d = rule("d", "(Cairo");
  d.query_pos = {};  // unknown position: the watchlist file, 1:1
  std::vector<Watchlist> lists{{"libya", "lists/libya.toml", {a, b, c}},
                               {"egypt", "lists/egypt.toml", {d}}};
  auto m = Matcher::compile(lists);
  ASSERT_FALSE(m.has_value());
  EXPECT_EQ(m.error().code, Errc::kInvalid);
  EXPECT_EQ(m.error().message,
            "lists/libya.toml:4:17: AND with nothing after it\n"
            "    Haftar AND\n"
            "           ^\n"
            "lists/libya.toml:9:12: rule has no positive term (NOT only excludes; add a word to "
            "look for)\n"
            "    NOT Sisi\n"
            "    ^\n"
            "lists/egypt.toml:1:1: unbalanced parenthesis: '(' is never closed\n"
            "    (Cairo\n"
            "    ^");
}

TEST(Matcher, EmptyWatchlistsAndEmptyDocuments) {
  auto none = Matcher::compile({});
  ASSERT_TRUE(none.has_value());
  EXPECT_EQ((*none)->rule_count(), 0u);
  EXPECT_TRUE(
      (*none)->match({.title = "Haftar", .body = "", .source = "", .language = ""}).empty());
  auto m = compile_one(rule("r", "Haftar"));
  ASSERT_TRUE(m);
  EXPECT_TRUE(m->match({.title = "", .body = "", .source = "", .language = ""}).empty());
  EXPECT_TRUE(
      m->match({.title = "\xFF\xFE", .body = "\xC0\xAF Haftar\xE2", .source = "", .language = ""})
          .size() == 1);
}

TEST(Matcher, ConcurrentMatchingGivesTheSameHits) {
  const std::string body = test::read_arabic_sample("003_1c09f43d1289937b.txt");
  auto m = compile_one(rule("r", "المسئولين OR القاهرة OR \"فايز السراج\""));
  ASSERT_TRUE(m);
  const auto want = m->match({.title = "", .body = body, .source = "", .language = ""});
  ASSERT_EQ(want.size(), 1u);
  std::vector<std::jthread> threads;
  std::atomic<int> mismatches{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        auto got = m->match({.title = "", .body = body, .source = "", .language = ""});
        if (got.size() != 1 || got[0].matched != want[0].matched ||
            got[0].snippet != want[0].snippet)
          ++mismatches;
      }
    });
  }
  threads.clear();
  EXPECT_EQ(mismatches.load(), 0);
}

// A fuzz smoke run: random soups of query syntax either compile or fail with
// a positioned message, and whatever compiles matches random text safely.
TEST(Matcher, RandomQueriesNeverCrash) {
  const std::vector<std::string> pieces{
      "(",      ")",     "\"",   "“",       "”",      "AND", "OR",   "NOT",    "and",
      "title:", "body:", "حفتر", "القاهرة", "Haft*",  "*",   "\xFF", "l'État", " ",
      " ",      "\n",    "٢٠",   "ـ",       "\u200F", "x",   "&"};
  std::mt19937 rng(12345);
  auto soup = [&](int n) {
    std::string out;
    for (int i = 0; i < n; ++i) out += pieces[rng() % pieces.size()];
    return out;
  };
  int compiled = 0;
  for (int i = 0; i < 3000; ++i) {
    Rule r = rule(numbered(i), soup(1 + static_cast<int>(rng() % 8)));
    std::vector<Watchlist> lists{{"fuzz", "fuzz.toml", {r}}};
    auto m = Matcher::compile(lists);
    if (!m) {
      EXPECT_EQ(m.error().code, Errc::kInvalid);
      EXPECT_TRUE(m.error().message.starts_with("test.toml:")) << m.error().message;
      EXPECT_TRUE(m.error().message.ends_with("^")) << m.error().message;
      continue;
    }
    ++compiled;
    const std::string title = soup(6), body = soup(30);
    for (const Hit& h : (*m)->match({.title = title, .body = body, .source = "", .language = ""})) {
      for (const MatchSpan& span : h.spans) {
        EXPECT_LE(span.begin, span.end);
        EXPECT_LE(span.end, (span.field == MatchSpan::Field::kTitle ? title : body).size());
      }
      EXPECT_FALSE(h.matched.empty());
    }
  }
  EXPECT_GT(compiled, 100);
}

// Many rules built from the samples' own vocabulary: only rules whose anchor
// fired are evaluated, so throughput stays high.
TEST(Matcher, ManyRulesThroughput) {
  std::vector<std::string> articles;
  std::vector<std::string> vocabulary;
  std::set<std::string> seen;
  for (const char* name :
       {"000_2f2f26cc72d594b8.txt", "001_a70efb1e516236b5.txt", "003_1c09f43d1289937b.txt"}) {
    articles.push_back(test::read_arabic_sample(name));
    for (const auto& t : tokenize(articles.back())) {
      std::string word = articles.back().substr(t.begin, t.end - t.begin);
      if (t.key.size() > 6 && seen.insert(t.key).second) vocabulary.push_back(word);
    }
  }
  ASSERT_GT(vocabulary.size(), 200u);
  Watchlist list{"big", "big.toml", {}};
  constexpr int kRules = 20'000;
  for (int i = 0; i < kRules; ++i) {
    // Mostly words that do not occur (a suffix added), some that do.
    const std::string a =
        vocabulary[i % vocabulary.size()] + (i % 50 == 0 ? "" : std::to_string(i));
    const std::string b = vocabulary[(i * 7 + 3) % vocabulary.size()];
    list.rules.push_back(
        rule(numbered(i), i % 3 == 0 ? a + " AND " + b : "\"" + a + " " + b + "\" OR " + a));
  }
  std::vector<Watchlist> lists{std::move(list)};
  const auto t0 = std::chrono::steady_clock::now();
  auto m = Matcher::compile(lists);
  const auto t1 = std::chrono::steady_clock::now();
  ASSERT_TRUE(m.has_value()) << m.error().message.substr(0, 500);
  EXPECT_EQ((*m)->rule_count(), static_cast<std::size_t>(kRules));

  constexpr int kRounds = 100;
  std::size_t hits = 0;
  for (int round = 0; round < kRounds; ++round) {
    for (const auto& a : articles)
      hits += (*m)->match({.title = "", .body = a, .source = "", .language = ""}).size();
  }
  const auto t2 = std::chrono::steady_clock::now();
  const double seconds = std::chrono::duration<double>(t2 - t1).count();
  const double per_second = kRounds * articles.size() / seconds;
  std::printf("compile %d rules: %lld ms; match: %.0f articles/s, %zu hits per round\n", kRules,
              static_cast<long long>(
                  std::chrono::duration_cast<std::chrono::milliseconds>(t1 - t0).count()),
              per_second, hits / kRounds);
  EXPECT_GT(hits, 0u);
#if defined(NDEBUG) && !defined(__SANITIZE_ADDRESS__)
  EXPECT_GT(per_second, 100.0);  // loose: the build machine is shared and loaded
#endif
}

}  // namespace
}  // namespace nw
