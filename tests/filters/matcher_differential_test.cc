// Anchoring never loses a match. The indexed matcher (filters/matcher.h:
// anchors, bigram features, checked sets, prefix and fuzzy dictionaries)
// against a brute-force evaluator that walks every rule's query over every
// token, on random rules and texts drawn from a small English and Arabic
// vocabulary so that most rules come close to matching: both must hit exactly
// the same rules. Then the cases of bigram anchoring one by one.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <initializer_list>
#include <iterator>
#include <map>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "feeds/text.h"
#include "filters/matcher.h"
#include "filters/normalize.h"
#include "filters/query.h"

namespace nw {
namespace {

using Field = QueryNode::Field;

std::vector<char32_t> code_points(std::string_view s) {
  std::vector<char32_t> out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) out.push_back(0);
    out.back() = out.back() << 8 | static_cast<unsigned char>(s[i]);  // any injective code will do
  }
  return out;
}

// Levenshtein distance at most 1, by definition over code points.
bool one_edit(std::string_view x, std::string_view y) {
  auto a = code_points(x), b = code_points(y);
  if (a.size() > b.size()) std::swap(a, b);
  if (b.size() - a.size() > 1) return false;
  std::size_t i = 0;
  while (i < a.size() && a[i] == b[i]) ++i;
  if (a.size() == b.size())
    return i == a.size() || std::equal(a.begin() + i + 1, a.end(), b.begin() + i + 1);
  return std::equal(a.begin() + i, a.end(), b.begin() + i + 1);
}

bool language_ok(std::string_view want, std::string_view language) {
  auto subtag_of = [](std::string_view longer, std::string_view shorter) {
    return longer.size() > shorter.size() && longer[shorter.size()] == '-' &&
           iequals(longer.substr(0, shorter.size()), shorter);
  };
  return iequals(language, want) || subtag_of(language, want) || subtag_of(want, language);
}

// Proclitic variants and folded forms, computed once per word for all evaluations.
struct Caches {
  std::map<std::string, std::vector<std::string>> forms, exact_forms;
  std::map<std::string, std::string> folded;
};

// Evaluates one rule by looking at every token: the matcher's semantics,
// written from the issue, with no index.
class BruteForce {
 public:
  BruteForce(const Rule& rule, const Document& doc, const std::vector<Token>& title,
             const std::vector<Token>& body, Caches& caches)
      : rule_(rule), doc_(doc), fields_{&title, &body}, caches_(caches) {}

  bool hits(const QueryNode& q) {
    if (!rule_.sources.empty() &&
        std::ranges::find(rule_.sources, doc_.source) == rule_.sources.end())
      return false;
    if (!rule_.languages.empty() && !doc_.language.empty() &&
        std::ranges::none_of(rule_.languages,
                             [&](const std::string& l) { return language_ok(l, doc_.language); })) {
      return false;
    }
    return eval(q);
  }

 private:
  struct Occurrence {
    int field;
    std::size_t first, last;
  };

  // The word and, unless exact, its proclitic variants.
  const std::vector<std::string>& forms(const std::string& key, bool exact) {
    auto [it, inserted] = (exact ? caches_.exact_forms : caches_.forms).try_emplace(key);
    if (inserted) {
      it->second.push_back(key);
      if (!exact) {
        for (auto& v : proclitic_variants(key)) it->second.push_back(std::move(v));
      }
    }
    return it->second;
  }

  const std::string& fold_or_self(const std::string& key) {
    auto [it, inserted] = caches_.folded.try_emplace(key);
    if (inserted) {
      it->second = fold_accents(key);
      if (it->second.empty()) it->second = key;
    }
    return it->second;
  }

  bool word_matches(const QueryNode& q, std::size_t i, const Token& t) {
    const bool exact = rule_.exact || q.exact;
    const bool prefix = q.prefix && i + 1 == q.words.size();
    auto same = [&](std::string_view text, std::string_view form) {
      return prefix ? text.starts_with(form) : text == form;
    };
    const std::string& wc = q.words[i];
    const std::string& wb = q.bare_words[i].empty() ? wc : q.bare_words[i];
    const std::string& tb = t.alt_key.empty() ? t.key : t.alt_key;
    for (const auto& f : forms(wc, exact)) {
      if (same(t.key, f)) return true;
    }
    for (const auto& f : forms(wb, exact)) {
      if (same(tb, f)) return true;
    }
    if (rule_.fold_accents && same(fold_or_self(t.key), fold_or_self(wc))) return true;
    if (q.fuzzy) {
      std::vector<std::string> spellings = forms(wc, exact);  // a copy: more are added
      if (!q.bare_words[i].empty()) {
        for (auto& f : forms(wb, exact)) spellings.push_back(f);
      }
      if (rule_.fold_accents) spellings.push_back(fold_or_self(wc));
      for (const auto& s : spellings) {
        if (one_edit(t.key, s) || (!t.alt_key.empty() && one_edit(t.alt_key, s))) return true;
      }
    }
    return false;
  }

  std::vector<Occurrence> occurrences(const QueryNode& q) {
    std::vector<Occurrence> out;
    if (q.kind == QueryNode::Kind::kOr) {
      for (const auto& c : q.children) {
        auto o = occurrences(c);
        out.insert(out.end(), o.begin(), o.end());
      }
      return out;
    }
    for (int f = 0; f < 2; ++f) {
      if ((q.field == Field::kTitle && f != 0) || (q.field == Field::kBody && f != 1)) continue;
      const auto& tokens = *fields_[f];
      for (std::size_t p = 0; p + q.words.size() <= tokens.size(); ++p) {
        bool all = true;
        for (std::size_t i = 0; i < q.words.size() && all; ++i)
          all = word_matches(q, i, tokens[p + i]);
        if (all) out.push_back({f, p, p + q.words.size() - 1});
      }
    }
    return out;
  }

  bool eval(const QueryNode& q) {
    switch (q.kind) {
      case QueryNode::Kind::kTerm:
      case QueryNode::Kind::kPhrase:
        return !occurrences(q).empty();
      case QueryNode::Kind::kAnd:
        return std::ranges::all_of(q.children, [&](const QueryNode& c) { return eval(c); });
      case QueryNode::Kind::kOr:
        return std::ranges::any_of(q.children, [&](const QueryNode& c) { return eval(c); });
      case QueryNode::Kind::kNot:
        return !eval(q.children[0]);
      case QueryNode::Kind::kMeta:
        return q.field == Field::kSource ? iequals(doc_.source, q.text)
                                         : language_ok(q.text, doc_.language);
      case QueryNode::Kind::kNear: {
        const auto d = static_cast<std::size_t>(q.distance);
        for (const auto& a : occurrences(q.children[0])) {
          for (const auto& b : occurrences(q.children[1])) {
            if (a.field != b.field) continue;
            if (b.first > a.last && b.first - a.last <= d) return true;
            if (!q.ordered && a.first > b.last && a.first - b.last <= d) return true;
          }
        }
        return false;
      }
    }
    return false;
  }

  const Rule& rule_;
  const Document& doc_;
  const std::vector<Token>* fields_[2];
  Caches& caches_;
};

// Concatenates: "x" + std::string(...) draws a GCC 12 -Wrestrict false positive.
std::string join(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (std::string_view p : parts) out += p;
  return out;
}

const std::vector<std::string> kEnglish = {
    "Haftar", "Cairo",  "Sisi", "Rome", "talks", "ceasefire", "Khalifa", "État",   "etat",
    "Müller", "Muller", "news", "the",  "said",  "president", "Tripoli", "forces", "Haftarist"};
const std::vector<std::string> kArabic = {"حفتر",      "خليفة", "القاهرة", "قاهرة",  "المسؤولين",
                                          "المسئولين", "فائز",  "فايز",    "السراج", "ليبيا",
                                          "طرابلس",    "في",    "الرئيس",  "مسؤول"};
const std::vector<std::string> kProclitics = {"و", "ب", "ل", "ال", "وال", "بال", "لل", "ف", "فال"};

class Generator {
 public:
  explicit Generator(unsigned seed) : rng_(seed) {}

  std::string word() {
    const auto& v = rng_() % 2 ? kEnglish : kArabic;
    return v[rng_() % v.size()];
  }

  // A text word: a vocabulary word behind a proclitic, with a typo, a
  // suffix or another case now and then.
  std::string text_word() {
    std::string w = word();
    const unsigned r = rng_() % 10;
    if (w[0] & 0x80 && r < 3) w = kProclitics[rng_() % kProclitics.size()] + w;
    if (r == 3) w += w[0] & 0x80 ? "ي" : "s";
    if (r == 4) {  // a typo: the middle letter dropped
      std::size_t mid = w.size() / 2;
      while (mid > 0 && (static_cast<unsigned char>(w[mid]) & 0xC0) == 0x80) --mid;
      std::size_t next = mid + 1;
      while (next < w.size() && (static_cast<unsigned char>(w[next]) & 0xC0) == 0x80) ++next;
      w.erase(mid, next - mid);
    }
    if (r == 5 && !(w[0] & 0x80))
      std::ranges::transform(w, w.begin(), [](char c) { return std::toupper(c); });
    return w;
  }

  std::string text(int words) {
    static const char* const kGlue[] = {" ", " ", " ", ", ", ". ", " - ", "\n"};
    std::string out;
    for (int i = 0; i < words; ++i) out += text_word() + kGlue[rng_() % 7];
    return out;
  }

  std::string term() {
    std::string w = word();
    const unsigned r = rng_() % 12;
    if (r == 0) return "=" + w;
    if (r == 1 || r == 2) return prefix(w);
    if (r == 3 && code_points(w).size() >= 5) return w + "~1";
    if (r == 4) return "title:" + w;
    if (r == 5) return w + "-" + prefix(word());  // a phrase whose last word is a prefix
    return w;
  }

  // The first 3 to 5 letters of `w` and a star; `w` itself when shorter.
  std::string prefix(const std::string& w) {
    const std::size_t letters = 3 + rng_() % 3;
    std::size_t end = 0, seen = 0;
    for (; end < w.size(); ++end) {
      if ((static_cast<unsigned char>(w[end]) & 0xC0) != 0x80 && seen++ == letters) break;
    }
    return code_points(w).size() > letters ? w.substr(0, end) + "*" : w;
  }

  std::string phrase() {
    std::string p = (rng_() % 8 == 0 ? "=\"" : "\"") + word() + " " + word();
    if (rng_() % 4 == 0) p += " " + word();
    return p + "\"";
  }

  std::string operand() { return rng_() % 3 == 0 ? phrase() : term(); }

  std::string near_side() {
    if (rng_() % 4 == 0) return join({"(", operand(), " OR ", operand(), ")"});
    return operand();
  }

  std::string query(int depth = 0) {
    const unsigned r = rng_() % (depth > 1 ? 3 : 8);
    switch (r) {
      case 0:
      case 1:
        return operand();
      case 2:
        return near_side() + (rng_() % 2 ? " NEAR/" : " ONEAR/") + std::to_string(1 + rng_() % 4) +
               " " + near_side();
      case 3:
      case 4:
        return "(" + query(depth + 1) + " OR " + query(depth + 1) + ")";
      case 5:
        return query(depth + 1) + " NOT " + operand();
      case 6:
        return query(depth + 1) + (rng_() % 2 ? " source:wire" : " lang:ar");
      default:
        return query(depth + 1) + " AND " + query(depth + 1);
    }
  }

  Rule rule(int i) {
    Rule r;
    r.id = join({"r", std::to_string(i)});
    r.query = query();
    r.query_pos = {"diff.toml", i + 1, 10};
    r.exact = rng_() % 10 == 0;
    r.fold_accents = rng_() % 5 == 0;
    if (rng_() % 10 == 0) r.sources = {"wire"};
    if (rng_() % 10 == 0) r.languages = {"en"};
    return r;
  }

  unsigned pick(unsigned n) { return rng_() % n; }

 private:
  std::mt19937 rng_;
};

TEST(MatcherDifferential, IndexedMatcherHitsExactlyWhatBruteForceHits) {
  Generator gen(2024);
  Watchlist list{"diff", "diff.toml", {}};
  std::vector<QueryNode> queries;
  while (list.rules.size() < 1200) {
    Rule r = gen.rule(static_cast<int>(list.rules.size()));
    auto q = parse_query(r.query, r.query_pos);
    if (!q) continue;  // e.g. "in~1": a fuzzy word too short
    queries.push_back(std::move(*q));
    list.rules.push_back(std::move(r));
  }
  const std::vector<Watchlist> lists{list};
  auto m = Matcher::compile(lists);
  ASSERT_TRUE(m.has_value()) << m.error().message.substr(0, 500);

  std::size_t total = 0;
  std::set<std::string> rules_hit;
  Caches caches;
  // 120 documents; 40 under ASan, where brute force runs ~30x slower (40 give
  // ~10,000 hits by ~700 rules, still far above the bounds below).
#if defined(__SANITIZE_ADDRESS__)
  constexpr int kDocuments = 40;
#else
  constexpr int kDocuments = 120;
#endif
  for (int d = 0; d < kDocuments; ++d) {
    const std::string title = gen.text(3 + static_cast<int>(gen.pick(6)));
    const std::string body = gen.text(10 + static_cast<int>(gen.pick(40)));
    const Document doc{.title = title,
                       .body = body,
                       .source = gen.pick(2) ? "wire" : "blog",
                       .language = gen.pick(2) ? "ar" : "en-GB"};
    std::vector<std::string> indexed;
    for (const Hit& h : (*m)->match(doc)) indexed.push_back(h.rule);
    const auto title_tokens = tokenize(title), body_tokens = tokenize(body);
    std::vector<std::string> brute;
    for (std::size_t r = 0; r < list.rules.size(); ++r) {
      if (BruteForce(list.rules[r], doc, title_tokens, body_tokens, caches).hits(queries[r]))
        brute.push_back(list.rules[r].id);
    }
    std::vector<std::string> missed, extra;
    auto sorted_brute = brute, sorted_indexed = indexed;
    std::ranges::sort(sorted_brute);
    std::ranges::sort(sorted_indexed);
    std::ranges::set_difference(sorted_brute, sorted_indexed, std::back_inserter(missed));
    std::ranges::set_difference(sorted_indexed, sorted_brute, std::back_inserter(extra));
    for (const auto& id : missed) {
      ADD_FAILURE() << "missed " << id << ": " << list.rules[std::stoul(id.substr(1))].query
                    << "\n  title: " << title << "\n  body: " << body;
    }
    for (const auto& id : extra)
      ADD_FAILURE() << "extra " << id << ": " << list.rules[std::stoul(id.substr(1))].query;
    if (!missed.empty() || !extra.empty()) break;
    total += brute.size();
    rules_hit.insert(brute.begin(), brute.end());
  }
  std::printf("%zu rules, %zu hits by %zu different rules\n", list.rules.size(), total,
              rules_hit.size());
  // The comparison means something: many hits, by many different rules.
  EXPECT_GT(total, 1000u);
  EXPECT_GT(rules_hit.size(), 300u);
}

// Phrases are anchored on their adjacent word pairs: each pair must fire on
// neighbouring tokens, through every spelling a word has.
TEST(MatcherAnchoring, PhrasesFireOnAdjacentPairs) {
  auto rule = [](std::string id, std::string query) {
    Rule r;
    r.id = std::move(id);
    r.query = std::move(query);
    r.query_pos = {"a.toml", 1, 1};
    return r;
  };
  const std::vector<Watchlist> lists{
      {"a",
       "a.toml",
       {rule("pair", "\"Khalifa Haftar\""), rule("repeat", "\"bye bye bye\""),
        rule("prefix", "Khalifa-Haft*"), rule("hyphen", "al-Sisi"),
        rule("or", "(\"Khalifa Haftar\" OR \"Abdel Fattah\") Cairo"),
        rule("near", "\"Khalifa Haftar\" NEAR/3 Cairo"), rule("title", "title:\"Khalifa Haftar\""),
        rule("arabic", "\"خليفة حفتر\""), rule("hamza", "\"فايز السراج\"")}}};
  auto m = Matcher::compile(lists);
  ASSERT_TRUE(m.has_value()) << m.error().message;
  auto ids = [&](std::string_view title, std::string_view body) {
    std::vector<std::string> out;
    for (const Hit& h : (*m)->match({.title = title, .body = body, .source = "", .language = ""}))
      out.push_back(h.rule);
    return out;
  };
  using Ids = std::vector<std::string>;
  EXPECT_EQ(ids("", "Khalifa Haftar"), (Ids{"pair", "prefix"}));
  EXPECT_EQ(ids("", "Khalifa met Haftar"), Ids{});  // both words, not side by side
  EXPECT_EQ(ids("", "Haftar Khalifa"), Ids{});
  EXPECT_EQ(ids("Khalifa", "Haftar"), Ids{});  // no pair across title and body
  EXPECT_EQ(ids("Khalifa Haftar", ""), (Ids{"pair", "prefix", "title"}));
  EXPECT_EQ(ids("", "bye bye and bye"), Ids{});
  EXPECT_EQ(ids("", "bye bye bye"), Ids{"repeat"});
  EXPECT_EQ(ids("", "Khalifa Haftarist"), Ids{"prefix"});
  EXPECT_EQ(ids("", "al Sisi; al-Sisi"), Ids{"hyphen"});
  EXPECT_EQ(ids("", "Abdel Fattah in Cairo"), Ids{"or"});
  EXPECT_EQ(ids("", "Abdel and Fattah in Cairo"), Ids{});
  EXPECT_EQ(ids("", "Khalifa Haftar flew to Cairo"), (Ids{"pair", "prefix", "or", "near"}));
  EXPECT_EQ(ids("", "Khalifa Haftar flew on to Cairo"), (Ids{"pair", "prefix", "or"}));
  EXPECT_EQ(ids("", "لخليفة وحفتر"), Ids{"arabic"});  // proclitics on each word of the pair
  EXPECT_EQ(ids("", "حكومة فائز السراج"), Ids{"hamza"});
}

}  // namespace
}  // namespace nw
