#include "filters/query.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace nw {
namespace {

const SourcePos kPos{"lists/libya.toml", 7, 10};

struct ParseCase {
  const char* query;
  const char* want;  // to_string of the AST
};

class ParseTest : public testing::TestWithParam<ParseCase> {};

TEST_P(ParseTest, Parses) {
  const auto& c = GetParam();
  auto q = parse_query(c.query, kPos);
  ASSERT_TRUE(q.has_value()) << c.query << "\n" << q.error().message;
  EXPECT_EQ(to_string(*q), c.want) << c.query;
}

INSTANTIATE_TEST_SUITE_P(
    Operators, ParseTest,
    testing::Values(
        ParseCase{"Haftar", "haftar"}, ParseCase{"حفتر", "حفتر"},
        ParseCase{"Haftar Cairo", "(AND haftar cairo)"},  // implicit AND
        ParseCase{"Haftar AND Cairo", "(AND haftar cairo)"},
        ParseCase{"Haftar OR Sisi", "(OR haftar sisi)"}, ParseCase{"a OR b OR c", "(OR a b c)"},
        ParseCase{"a b c", "(AND a b c)"},
        // NOT binds tighter than AND, AND (explicit or implicit) tighter than OR.
        ParseCase{"a OR b AND c", "(OR a (AND b c))"}, ParseCase{"a OR b c", "(OR a (AND b c))"},
        ParseCase{"a b OR c", "(OR (AND a b) c)"}, ParseCase{"a NOT b", "(AND a (NOT b))"},
        ParseCase{"a AND NOT b OR c", "(OR (AND a (NOT b)) c)"},
        ParseCase{"NOT b a", "(AND (NOT b) a)"}, ParseCase{"(a OR b) c", "(AND (OR a b) c)"},
        ParseCase{"(a OR b) AND (c OR d)", "(AND (OR a b) (OR c d))"}, ParseCase{"((a))", "a"},
        ParseCase{"a AND (b AND c)", "(AND a b c)"},
        ParseCase{"a (b OR NOT c)", "(AND a (OR b (NOT c)))"},
        // Lower-case operators are words.
        ParseCase{"war and peace", "(AND war and peace)"},
        ParseCase{"Haftar or Sisi", "(AND haftar or sisi)"},
        ParseCase{"not Haftar", "(AND not haftar)"},
        // Phrases: straight, curly and guillemet quotes.
        ParseCase{"\"Khalifa Haftar\"", "\"khalifa haftar\""},
        ParseCase{"“خليفة حفتر” OR «فائز السراج»", "(OR \"خليفه حفتر\" \"فايز السراج\")"},
        ParseCase{"\"Haftar\" Cairo", "(AND \"haftar\" cairo)"},
        ParseCase{"\"AND\"", "\"and\""},  // a quoted operator is a word
        // A term the tokenizer splits matches as a phrase.
        ParseCase{"al-Sisi", "\"al sisi\""}, ParseCase{"Obama's", "\"obama s\""},
        // Normalization applies to terms.
        ParseCase{"المسئولين", "المسيولين"},
        ParseCase{"STRASSE İstanbul", "(AND strasse istanbul)"},
        // Fields.
        ParseCase{"title:Haftar Cairo", "(AND title:haftar cairo)"},
        ParseCase{"body:\"Khalifa Haftar\"", "body:\"khalifa haftar\""},
        ParseCase{"title:(Haftar OR Sisi)", "(OR title:haftar title:sisi)"},
        ParseCase{"title: Haftar", "title:haftar"}, ParseCase{"10:30", "\"10 30\""},
        // Prefixes.
        ParseCase{"Haft*", "haft*"}, ParseCase{"مسؤول* OR title:Sis*", "(OR مسوول* title:sis*)"},
        ParseCase{"al-Sis*", "\"al sis*\""},
        // NEAR / ONEAR: tighter than AND; sides are terms, phrases, prefixes or ORs of them.
        ParseCase{"Haftar NEAR/5 Cairo", "(NEAR/5 haftar cairo)"},
        ParseCase{"Haftar ONEAR/2 Cairo", "(ONEAR/2 haftar cairo)"},
        ParseCase{"a b NEAR/3 c d", "(AND a (NEAR/3 b c) d)"},
        ParseCase{"\"Khalifa Haftar\" NEAR/10 Cai*", "(NEAR/10 \"khalifa haftar\" cai*)"},
        ParseCase{"(Haftar OR Sisi) NEAR/4 (Cairo OR Tripoli)",
                  "(NEAR/4 (OR haftar sisi) (OR cairo tripoli))"},
        ParseCase{"title:Haftar NEAR/3 Cairo", "(NEAR/3 title:haftar cairo)"},
        ParseCase{"title:(Haftar NEAR/3 Cairo)", "(NEAR/3 title:haftar title:cairo)"},
        ParseCase{"a NEAR/3 b NOT c", "(AND (NEAR/3 a b) (NOT c))"},
        ParseCase{"near/3 Haftar", "(AND \"near 3\" haftar)"},  // lower case is words
        // Exact and fuzzy terms.
        ParseCase{"=حفتر", "=حفتر"}, ParseCase{"=\"خليفة حفتر\"", "=\"خليفه حفتر\""},
        ParseCase{"Haftar~1", "haftar~1"}, ParseCase{"title:Haftar~1", "title:haftar~1"},
        ParseCase{"title:=حفتر", "title:=حفتر"},
        // source: and lang:, with groups.
        ParseCase{"Haftar source:libya-herald", "(AND haftar source:libya-herald)"},
        ParseCase{"Haftar lang:ar", "(AND haftar lang:ar)"},
        ParseCase{"Haftar source:(a OR b)", "(AND haftar (OR source:a source:b))"},
        ParseCase{"Haftar NOT lang:(en OR fr)", "(AND haftar (NOT (OR lang:en lang:fr)))"},
        // Layout.
        ParseCase{"  Haftar\n  AND\tCairo  ", "(AND haftar cairo)"},
        ParseCase{"Haftar\u00A0Cairo", "(AND haftar cairo)"}));

struct ErrorCase {
  const char* what;
  const char* query;
  const char* want;
};

class ParseErrorTest : public testing::TestWithParam<ErrorCase> {};

TEST_P(ParseErrorTest, ExactMessageWithCaret) {
  const auto& c = GetParam();
  auto q = parse_query(c.query, kPos);
  ASSERT_FALSE(q.has_value()) << c.what << ": " << to_string(*q);
  EXPECT_EQ(q.error().code, Errc::kInvalid);
  EXPECT_EQ(q.error().message, c.want) << c.what;
}

INSTANTIATE_TEST_SUITE_P(
    Messages, ParseErrorTest,
    testing::Values(
        ErrorCase{"empty", "", "lists/libya.toml:7:10: empty query\n    \n    ^"},
        ErrorCase{"blank", "   ", "lists/libya.toml:7:10: empty query\n       \n    ^"},
        ErrorCase{"unclosed (", "(Haftar OR Sisi",
                  "lists/libya.toml:7:10: unbalanced parenthesis: '(' is never closed\n"
                  "    (Haftar OR Sisi\n"
                  "    ^"},
        ErrorCase{"inner unclosed (", "Haftar AND (Sisi OR (Cairo)",
                  "lists/libya.toml:7:21: unbalanced parenthesis: '(' is never closed\n"
                  "    Haftar AND (Sisi OR (Cairo)\n"
                  "               ^"},
        ErrorCase{"stray )", "Haftar) Sisi",
                  "lists/libya.toml:7:16: unbalanced parenthesis: ')' has no matching '('\n"
                  "    Haftar) Sisi\n"
                  "          ^"},
        ErrorCase{
            "only )", ")",
            "lists/libya.toml:7:10: unbalanced parenthesis: ')' has no matching '('\n    )\n    ^"},
        ErrorCase{"empty ()", "Haftar ()",
                  "lists/libya.toml:7:17: empty parentheses\n    Haftar ()\n           ^"},
        ErrorCase{"unclosed quote", "Haftar \"Khalifa",
                  "lists/libya.toml:7:17: unclosed quote\n    Haftar \"Khalifa\n           ^"},
        ErrorCase{"unclosed curly quote", "“خليفة حفتر",
                  "lists/libya.toml:7:10: unclosed quote\n    “خليفة حفتر\n    ^"},
        ErrorCase{"empty phrase", "Haftar \"\"",
                  "lists/libya.toml:7:17: empty phrase\n    Haftar \"\"\n           ^"},
        ErrorCase{
            "phrase of punctuation", "\"...\"",
            "lists/libya.toml:7:10: phrase has no letters or digits to match\n    \"...\"\n    ^"},
        ErrorCase{"term of punctuation", "Haftar & Sisi",
                  "lists/libya.toml:7:17: '&' has no letters or digits to match\n"
                  "    Haftar & Sisi\n"
                  "           ^"},
        ErrorCase{"AND at end", "Haftar AND",
                  "lists/libya.toml:7:17: AND with nothing after it\n    Haftar AND\n           ^"},
        ErrorCase{"OR at end", "Haftar OR",
                  "lists/libya.toml:7:17: OR with nothing after it\n    Haftar OR\n           ^"},
        ErrorCase{"NOT at end", "Haftar NOT",
                  "lists/libya.toml:7:17: NOT with nothing after it\n    Haftar NOT\n           ^"},
        ErrorCase{"AND before )", "(Haftar AND) Sisi",
                  "lists/libya.toml:7:18: AND with nothing after it\n    (Haftar AND) Sisi\n       "
                  "     ^"},
        ErrorCase{"AND OR", "Haftar AND OR Sisi",
                  "lists/libya.toml:7:17: AND with nothing after it\n    Haftar AND OR Sisi\n      "
                  "     ^"},
        ErrorCase{"OR at start", "OR Haftar",
                  "lists/libya.toml:7:10: OR with nothing before it\n    OR Haftar\n    ^"},
        ErrorCase{"AND after (", "(AND Haftar)",
                  "lists/libya.toml:7:11: AND with nothing before it\n    (AND Haftar)\n     ^"},
        ErrorCase{"field with nothing", "Haftar title:",
                  "lists/libya.toml:7:17: title: with no word, phrase or '(' right after it\n"
                  "    Haftar title:\n"
                  "           ^"},
        ErrorCase{"field before operator", "body: OR Haftar",
                  "lists/libya.toml:7:10: body: with no word, phrase or '(' right after it\n"
                  "    body: OR Haftar\n"
                  "    ^"},
        ErrorCase{"conflicting fields", "title:(body:Haftar)",
                  "lists/libya.toml:7:17: conflicting fields: title: and body: on the same term\n"
                  "    title:(body:Haftar)\n"
                  "           ^"},
        ErrorCase{"NOT only", "NOT Haftar",
                  "lists/libya.toml:7:10: rule has no positive term (NOT only excludes; add a word "
                  "to look for)\n"
                  "    NOT Haftar\n"
                  "    ^"},
        ErrorCase{"NOT and NOT", "NOT a NOT b",
                  "lists/libya.toml:7:10: rule has no positive term (NOT only excludes; add a word "
                  "to look for)\n"
                  "    NOT a NOT b\n"
                  "    ^"},
        ErrorCase{"negative OR branch", "Haftar OR NOT Sisi",
                  "lists/libya.toml:7:20: OR alternative has no positive term (NOT only excludes; "
                  "add a word to "
                  "look for)\n"
                  "    Haftar OR NOT Sisi\n"
                  "              ^"},
        ErrorCase{"star inside a word", "Haf*tar",
                  "lists/libya.toml:7:13: '*' marks a prefix only at the end of a word\n    "
                  "Haf*tar\n       ^"},
        ErrorCase{"short prefix", "Haftar Ha*",
                  "lists/libya.toml:7:17: prefix too short: give at least 3 letters before '*'\n"
                  "    Haftar Ha*\n"
                  "           ^"},
        ErrorCase{"NEAR without distance", "Haftar NEAR Sisi",
                  "lists/libya.toml:7:17: NEAR needs a distance from 1 to 1000, as in NEAR/5\n"
                  "    Haftar NEAR Sisi\n"
                  "           ^"},
        ErrorCase{"NEAR/0", "a NEAR/0 b",
                  "lists/libya.toml:7:12: NEAR needs a distance from 1 to 1000, as in NEAR/5\n    "
                  "a NEAR/0 b\n      ^"},
        ErrorCase{"ONEAR/x", "a ONEAR/x b",
                  "lists/libya.toml:7:12: ONEAR needs a distance from 1 to 1000, as in ONEAR/5\n"
                  "    a ONEAR/x b\n      ^"},
        ErrorCase{"NEAR/1001", "a NEAR/1001 b",
                  "lists/libya.toml:7:12: NEAR needs a distance from 1 to 1000, as in NEAR/5\n"
                  "    a NEAR/1001 b\n      ^"},
        ErrorCase{"NEAR at end", "a NEAR/3",
                  "lists/libya.toml:7:12: NEAR/3 with nothing after it\n    a NEAR/3\n      ^"},
        ErrorCase{"NEAR at start", "NEAR/3 a",
                  "lists/libya.toml:7:10: NEAR/3 with nothing before it\n    NEAR/3 a\n    ^"},
        ErrorCase{"NEAR over AND", "(a AND b) NEAR/3 c",
                  "lists/libya.toml:7:11: NEAR/3 takes a term, phrase or prefix on each side (or "
                  "an OR of them)\n"
                  "    (a AND b) NEAR/3 c\n     ^"},
        ErrorCase{"NEAR NOT", "a NEAR/3 NOT c",
                  "lists/libya.toml:7:19: NEAR/3 takes a term, phrase or prefix on each side (or "
                  "an OR of them)\n"
                  "    a NEAR/3 NOT c\n             ^"},
        ErrorCase{"NEAR chained", "a NEAR/3 b NEAR/3 c",
                  "lists/libya.toml:7:21: NEAR and ONEAR do not chain: join two of them with AND\n"
                  "    a NEAR/3 b NEAR/3 c\n               ^"},
        ErrorCase{
            "fuzzy too short", "Sisi~1",
            "lists/libya.toml:7:10: fuzzy word too short: ~1 needs a word of at least 5 letters\n"
            "    Sisi~1\n    ^"},
        ErrorCase{"fuzzy two edits", "Haftar~2",
                  "lists/libya.toml:7:16: only one edit is supported: write ~1\n    Haftar~2\n     "
                  "     ^"},
        ErrorCase{"tilde inside", "Haf~tar",
                  "lists/libya.toml:7:13: '~' marks a fuzzy word only as ~1 at the end of a word\n"
                  "    Haf~tar\n       ^"},
        ErrorCase{
            "fuzzy prefix", "Haft*~1",
            "lists/libya.toml:7:15: a prefix* cannot also be fuzzy (~1)\n    Haft*~1\n         ^"},
        ErrorCase{
            "fuzzy phrase-like term", "al-Sisi~1",
            "lists/libya.toml:7:10: ~1 applies to one word; write each word of 'al-Sisi' apart\n"
            "    al-Sisi~1\n    ^"},
        ErrorCase{"lone =", "Haftar = Sisi",
                  "lists/libya.toml:7:17: '=' must be followed right away by a word or a phrase\n"
                  "    Haftar = Sisi\n           ^"},
        ErrorCase{"source: alone", "source:reuters",
                  "lists/libya.toml:7:10: rule has no positive term (source: and lang: only "
                  "restrict; add a word "
                  "to look for)\n    source:reuters\n    ^"},
        ErrorCase{"bad lang code", "Haftar lang:a1",
                  "lists/libya.toml:7:22: lang: takes a language code such as ar or en-GB, or a (a "
                  "OR b) group of "
                  "them\n    Haftar lang:a1\n                ^"},
        ErrorCase{"source: phrase", "Haftar source:\"x y\"",
                  "lists/libya.toml:7:24: source: takes a source id or a (a OR b) group of them\n"
                  "    Haftar source:\"x y\"\n                  ^"},
        ErrorCase{"source group unclosed", "Haftar source:(a OR b",
                  "lists/libya.toml:7:24: unbalanced parenthesis: '(' is never closed\n"
                  "    Haftar source:(a OR b\n                  ^"},
        ErrorCase{"title: over source:", "Haftar title:(source:x)",
                  "lists/libya.toml:7:24: conflicting fields: title: and source: on the same term\n"
                  "    Haftar title:(source:x)\n                  ^"},
        ErrorCase{
            "star after punctuation", "Haftar-*",
            "lists/libya.toml:7:17: '*' must follow a letter or digit\n    Haftar-*\n           ^"},
        ErrorCase{"lone star", "Haftar *",
                  "lists/libya.toml:7:17: '*' has no letters or digits to match\n    Haftar *\n    "
                  "       ^"},
        // Columns count code points, not bytes; lines count from the query start.
        ErrorCase{"arabic columns", "حفتر AND",
                  "lists/libya.toml:7:15: AND with nothing after it\n    حفتر AND\n         ^"},
        ErrorCase{"second line", "Haftar AND\n  (Sisi OR Cairo",
                  "lists/libya.toml:8:3: unbalanced parenthesis: '(' is never closed\n"
                  "      (Sisi OR Cairo\n"
                  "      ^"},
        ErrorCase{
            "tab kept under caret", "Haftar\tAND",
            "lists/libya.toml:7:17: AND with nothing after it\n    Haftar\tAND\n          \t^"}));

// A field the language does not have is an error, not a word to look for.
INSTANTIATE_TEST_SUITE_P(
    UnknownFields, ParseErrorTest,
    testing::Values(
        ErrorCase{"web search field", "site:bbc.com AND Haftar",
                  "lists/libya.toml:7:10: unknown field 'site:': did you mean source:? (fields: "
                  "title body source lang; source: takes a source id of the config; to look for "
                  "the text, quote it)\n    site:bbc.com AND Haftar\n    ^"},
        ErrorCase{"upper-case field", "Haftar Title:Cairo",
                  "lists/libya.toml:7:17: unknown field 'Title:': fields are lower-case, did you "
                  "mean title:? (fields: title body source lang; to look for the text, quote "
                  "it)\n    Haftar Title:Cairo\n           ^"},
        ErrorCase{"typo", "tilte:Haftar",
                  "lists/libya.toml:7:10: unknown field 'tilte:': did you mean title:? (fields: "
                  "title body source lang; to look for the text, quote it)\n    "
                  "tilte:Haftar\n    ^"},
        ErrorCase{"typo, one letter", "Haftar AND bdy:(Cairo)",
                  "lists/libya.toml:7:21: unknown field 'bdy:': did you mean body:? (fields: "
                  "title body source lang; to look for the text, quote it)\n    Haftar AND "
                  "bdy:(Cairo)\n               ^"},
        ErrorCase{"no guess", "Haftar foo:bar",
                  "lists/libya.toml:7:17: unknown field 'foo:' (fields: title body source lang; "
                  "to look for the text, quote it)\n    Haftar foo:bar\n           ^"},
        ErrorCase{"field alone", "intitle: Haftar",
                  "lists/libya.toml:7:10: unknown field 'intitle:': did you mean title:? "
                  "(fields: title body source lang; to look for the text, quote it)\n    "
                  "intitle: Haftar\n    ^"}));

// What still parses as words: quoted, a URL, digits, a colon ending a word.
INSTANTIATE_TEST_SUITE_P(NotFields, ParseTest,
                         testing::Values(ParseCase{"\"site:bbc.com\" Haftar",
                                                   "(AND \"site bbc.com\" haftar)"},
                                         ParseCase{"https://bbc.com/x", "\"https bbc.com x\""},
                                         ParseCase{"10:30 Haftar", "(AND \"10 30\" haftar)"},
                                         ParseCase{"Haftar: Cairo", "(AND haftar cairo)"},
                                         ParseCase{"حفتر:القاهرة", "\"حفتر القاهره\""}));

struct WarnCase {
  const char* what;
  const char* query;
  std::vector<std::string> want;
};

class QueryWarningTest : public testing::TestWithParam<WarnCase> {};

TEST_P(QueryWarningTest, PositionedWithSuggestion) {
  const auto& c = GetParam();
  if (!c.want.empty()) {
    ASSERT_TRUE(parse_query(c.query, kPos).has_value()) << c.what;  // a warning, not an error
  }
  EXPECT_EQ(query_warnings(c.query, kPos), c.want) << c.what;
}

INSTANTIATE_TEST_SUITE_P(
    LowerCaseOperators, QueryWarningTest,
    testing::Values(
        WarnCase{"and",
                 "Haftar and Cairo",
                 {"lists/libya.toml:7:17: warning: 'and' is looked for as a word (operators are "
                  "upper-case): did you mean AND? To look for the word, quote it: \"and\"\n    "
                  "Haftar and Cairo\n           ^"}},
        WarnCase{"or, not, mixed case",
                 "Haftar or Sisi Not Cairo",
                 {"lists/libya.toml:7:17: warning: 'or' is looked for as a word (operators are "
                  "upper-case): did you mean OR? To look for the word, quote it: \"or\"\n    "
                  "Haftar or Sisi Not Cairo\n           ^",
                  "lists/libya.toml:7:25: warning: 'Not' is looked for as a word (operators are "
                  "upper-case): did you mean NOT? To look for the word, quote it: \"Not\"\n    "
                  "Haftar or Sisi Not Cairo\n                   ^"}},
        WarnCase{"near/5",
                 "Haftar near/5 Cairo",
                 {"lists/libya.toml:7:17: warning: 'near/5' is looked for as a word (operators "
                  "are upper-case): did you mean NEAR/5? To look for the word, quote it: "
                  "\"near/5\"\n    Haftar near/5 Cairo\n           ^"}},
        WarnCase{"onear/3",
                 "Haftar onear/3 Cairo",
                 {"lists/libya.toml:7:17: warning: 'onear/3' is looked for as a word (operators "
                  "are upper-case): did you mean ONEAR/3? To look for the word, quote it: "
                  "\"onear/3\"\n    Haftar onear/3 Cairo\n           ^"}},
        WarnCase{"upper-case is fine", "Haftar AND Cairo NEAR/5 Sisi OR x NOT y", {}},
        WarnCase{"quoted is fine", "\"rock and roll\" \"near/5\"", {}},
        WarnCase{"a bare near is a word", "Haftar near Cairo", {}},
        WarnCase{"words that contain them", "Andrew Oregon notice", {}},
        WarnCase{"cannot be lexed: the error alone", "site:bbc.com and Haftar", {}}));

TEST(ParseQuery, UnknownPositionDefaultsToLineOneColumnOne) {
  auto q = parse_query("a AND", SourcePos{});
  ASSERT_FALSE(q.has_value());
  EXPECT_EQ(q.error().message, "<query>:1:3: AND with nothing after it\n    a AND\n      ^");
}

TEST(ParseQuery, DeepNestingIsAnErrorNotAStackOverflow) {
  const std::string query = std::string(100'000, '(') + "a";
  auto q = parse_query(query, kPos);
  ASSERT_FALSE(q.has_value());
  EXPECT_TRUE(q.error().message.starts_with("lists/libya.toml:7:75: query nested too deeply\n"))
      << q.error().message.substr(0, 100);
}

TEST(ParseQuery, AnyBytesInNeverCrash) {
  for (const char* q : {"\xFF\xFE", "(((", ")))", "\"", "“", "«", "NOT NOT NOT", "AND OR NOT",
                        "title:", "a\xE2\x80", "title:title:a", "body:)"}) {
    auto r = parse_query(q, kPos);
    if (!r) {
      EXPECT_EQ(r.error().code, Errc::kInvalid) << q;
    }
  }
}

TEST(ParseQuery, OffsetsPointIntoTheQuery) {
  auto q = parse_query("Haftar (Sisi OR \"Khalifa Haftar\")", kPos);
  ASSERT_TRUE(q.has_value());
  ASSERT_EQ(q->children.size(), 2u);
  EXPECT_EQ(q->children[0].offset, 0u);
  EXPECT_EQ(q->children[0].text, "Haftar");
  EXPECT_EQ(q->children[1].offset, 8u);
  EXPECT_EQ(q->children[1].children[1].offset, 16u);
  EXPECT_EQ(q->children[1].children[1].text, "Khalifa Haftar");
}

}  // namespace
}  // namespace nw
