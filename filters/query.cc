// The query parser (filters/query.h): a lexer, a recursive-descent parser
// and the positive-term check; messages are formatted by query_format.cc.
#include "filters/query.h"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "filters/normalize.h"
#include "filters/query_format.h"

namespace nw {
namespace {

using query_internal::explain_no_positive;
using query_internal::field_name;
using query_internal::has_positive;
using query_internal::ParseError;

constexpr int kMaxDepth = 64;
constexpr std::size_t kMinPrefix = 3;  // code points before '*'
constexpr std::size_t kMinFuzzy = 5;   // code points in a word~1
constexpr int kMaxDistance = 1000;     // NEAR/n

std::size_t code_points(std::string_view s) {
  std::size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

enum class Lex { kWord, kPhrase, kField, kLParen, kRParen, kAnd, kOr, kNot, kNear, kEnd };

struct Lexeme {
  Lex kind = Lex::kEnd;
  std::string_view text;  // word, phrase contents, field name, operator as written
  std::size_t offset = 0;
  bool exact = false;  // kPhrase written ="..."
};

constexpr std::string_view kFields[] = {"title:", "body:", "source:", "lang:"};

QueryNode::Field field_of(std::string_view name) {
  if (name == "title:") return QueryNode::Field::kTitle;
  if (name == "body:") return QueryNode::Field::kBody;
  if (name == "source:") return QueryNode::Field::kSource;
  return QueryNode::Field::kLang;
}

bool is_meta(QueryNode::Field f) {
  return f == QueryNode::Field::kSource || f == QueryNode::Field::kLang;
}

// NEAR/5, ONEAR/5, and a bare NEAR or ONEAR (an error the parser explains).
bool is_near_operator(std::string_view w) {
  if (w.starts_with("ONEAR")) w.remove_prefix(1);
  return w == "NEAR" || w.starts_with("NEAR/");
}

template <class T>
using Parsed = std::expected<T, ParseError>;

std::unexpected<ParseError> error_at(std::size_t offset, std::string message) {
  return std::unexpected(ParseError{offset, std::move(message)});
}

// The closing quote for an opening one at q[i], and the opener's width.
struct Quote {
  std::string_view close;
  std::size_t width = 0;
};

std::optional<Quote> quote_at(std::string_view q, std::size_t i) {
  if (q[i] == '"') return Quote{"\"", 1};
  if (q.substr(i, 3) == "\u201C") return Quote{"\u201D", 3};  // “…”
  if (q.substr(i, 2) == "\u00AB") return Quote{"\u00BB", 2};  // «…»
  return std::nullopt;
}

// Whitespace width at q[i] (0 when none): ASCII blanks and no-break space.
std::size_t space_at(std::string_view q, std::size_t i) {
  switch (q[i]) {
    case ' ':
    case '\t':
    case '\n':
    case '\r':
    case '\f':
    case '\v':
      return 1;
    default:
      return q.substr(i, 2) == "\u00A0" ? 2 : 0;
  }
}

bool ends_word(std::string_view q, std::size_t i) {
  return space_at(q, i) > 0 || q[i] == '(' || q[i] == ')' || quote_at(q, i).has_value();
}

Parsed<std::vector<Lexeme>> lex(std::string_view q) {
  std::vector<Lexeme> out;
  std::size_t i = 0;
  while (i < q.size()) {
    if (std::size_t w = space_at(q, i)) {
      i += w;
    } else if (q[i] == '(' || q[i] == ')') {
      out.push_back({q[i] == '(' ? Lex::kLParen : Lex::kRParen, q.substr(i, 1), i});
      ++i;
    } else if (auto quote = q[i] == '=' && i + 1 < q.size() ? quote_at(q, i + 1) : quote_at(q, i)) {
      const std::size_t open = i;
      const bool exact = q[i] == '=';  // ="phrase"
      const std::size_t body = i + exact + quote->width;
      const std::size_t close = q.find(quote->close, body);
      if (close == std::string_view::npos) return error_at(open + exact, "unclosed quote");
      out.push_back({Lex::kPhrase, q.substr(body, close - body), open, exact});
      i = close + quote->close.size();
    } else {
      const std::size_t start = i;
      while (i < q.size() && !ends_word(q, i)) ++i;
      std::string_view word = q.substr(start, i - start);
      if (word == "AND" || word == "OR" || word == "NOT") {
        out.push_back({word == "AND"  ? Lex::kAnd
                       : word == "OR" ? Lex::kOr
                                      : Lex::kNot,
                       word, start});
        continue;
      }
      if (is_near_operator(word)) {
        out.push_back({Lex::kNear, word, start});
        continue;
      }
      // title:word, body:"a phrase", title:(a OR b), source:id, lang:ar
      bool field_given = false;
      for (std::string_view field : kFields) {
        if (word.starts_with(field)) {
          out.push_back({Lex::kField, word.substr(0, field.size()), start});
          word.remove_prefix(field.size());
          field_given = true;
          break;
        }
      }
      // site:bbc.com, Title:x, tilte:x: a field the user meant, not a word to look for.
      if (!field_given) {
        if (auto unknown = query_internal::unknown_field(word)) return error_at(start, *unknown);
      }
      if (!word.empty())
        out.push_back({Lex::kWord, word, static_cast<std::size_t>(word.data() - q.data())});
    }
  }
  out.push_back({Lex::kEnd, {}, q.size()});
  return out;
}

bool is_operator(Lex k) {
  return k == Lex::kAnd || k == Lex::kOr || k == Lex::kNot || k == Lex::kField || k == Lex::kNear;
}

// Built by appending: GCC 12 warns (-Wrestrict, a false positive) on "'" + std::string(s).
std::string quoted(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  out += '\'';
  out += s;
  out += '\'';
  return out;
}

class Parser {
 public:
  explicit Parser(std::vector<Lexeme> lexemes) : lx_(std::move(lexemes)) {}

  Parsed<QueryNode> parse() {
    auto root = parse_or(0);
    if (!root) return root;
    if (peek().kind == Lex::kRParen) {
      return error_at(peek().offset, "unbalanced parenthesis: ')' has no matching '('");
    }
    return root;
  }

 private:
  const Lexeme& peek() const { return lx_[pos_]; }
  const Lexeme* previous() const { return pos_ > 0 ? &lx_[pos_ - 1] : nullptr; }
  const Lexeme& take() { return lx_[pos_++]; }

  static QueryNode combine(QueryNode::Kind kind, std::vector<QueryNode> children) {
    if (children.size() == 1) return std::move(children.front());
    QueryNode n;
    n.kind = kind;
    n.offset = children.front().offset;
    // Flatten a AND (b AND c) built by the loop into one n-ary node.
    for (auto& c : children) {
      if (c.kind == kind) {
        for (auto& cc : c.children) n.children.push_back(std::move(cc));
      } else {
        n.children.push_back(std::move(c));
      }
    }
    return n;
  }

  Parsed<QueryNode> parse_or(int depth) {
    std::vector<QueryNode> children;
    auto first = parse_and(depth);
    if (!first) return first;
    children.push_back(std::move(*first));
    while (peek().kind == Lex::kOr) {
      take();
      auto next = parse_and(depth);
      if (!next) return next;
      children.push_back(std::move(*next));
    }
    return combine(QueryNode::Kind::kOr, std::move(children));
  }

  static bool starts_unary(Lex k) {
    return k == Lex::kWord || k == Lex::kPhrase || k == Lex::kLParen || k == Lex::kNot ||
           k == Lex::kField;
  }

  Parsed<QueryNode> parse_and(int depth) {
    std::vector<QueryNode> children;
    auto first = parse_unary(depth);
    if (!first) return first;
    children.push_back(std::move(*first));
    for (;;) {
      if (peek().kind == Lex::kAnd) {
        take();
      } else if (!starts_unary(peek().kind)) {
        break;
      }
      auto next = parse_unary(depth);
      if (!next) return next;
      children.push_back(std::move(*next));
    }
    return combine(QueryNode::Kind::kAnd, std::move(children));
  }

  Parsed<QueryNode> parse_unary(int depth) {
    if (depth > kMaxDepth) return error_at(peek().offset, "query nested too deeply");
    if (peek().kind == Lex::kNot) {
      const Lexeme& op = take();
      auto operand = parse_unary(depth + 1);
      if (!operand) return operand;
      QueryNode n;
      n.kind = QueryNode::Kind::kNot;
      n.offset = op.offset;
      n.children.push_back(std::move(*operand));
      return n;
    }
    return parse_near(depth);
  }

  // A NEAR side: a term or phrase, or an OR of them (with or without fields).
  static bool near_operand(const QueryNode& n) {
    if (n.kind == QueryNode::Kind::kTerm || n.kind == QueryNode::Kind::kPhrase) return true;
    if (n.kind != QueryNode::Kind::kOr) return false;
    return std::ranges::all_of(n.children, [](const QueryNode& c) {
      return c.kind == QueryNode::Kind::kTerm || c.kind == QueryNode::Kind::kPhrase;
    });
  }

  Parsed<QueryNode> parse_near(int depth) {
    auto left = parse_operand(depth);
    if (!left || peek().kind != Lex::kNear) return left;
    const Lexeme& op = take();
    std::string_view name = op.text.substr(0, op.text.find('/'));
    std::string_view digits = op.text.size() > name.size() ? op.text.substr(name.size() + 1) : "";
    int distance = 0;
    bool number = !digits.empty() && digits.size() <= 4;
    for (char c : digits) {
      number = number && c >= '0' && c <= '9';
      if (number) distance = distance * 10 + (c - '0');
    }
    if (!number || distance < 1 || distance > kMaxDistance) {
      return error_at(op.offset, std::string(name) + " needs a distance from 1 to 1000, as in " +
                                     std::string(name) + "/5");
    }
    const std::string what =
        std::string(op.text) + " takes a term, phrase or prefix on each side (or an OR of them)";
    if (peek().kind == Lex::kNot) return error_at(peek().offset, what);
    auto right = parse_operand(depth);
    if (!right) return right;
    if (!near_operand(*left)) return error_at(left->offset, what);
    if (!near_operand(*right)) return error_at(right->offset, what);
    if (peek().kind == Lex::kNear) {
      return error_at(peek().offset, "NEAR and ONEAR do not chain: join two of them with AND");
    }
    QueryNode n;
    n.kind = QueryNode::Kind::kNear;
    n.text = std::string(op.text);
    n.offset = left->offset;
    n.ordered = name == "ONEAR";
    n.distance = distance;
    n.children.push_back(std::move(*left));
    n.children.push_back(std::move(*right));
    return n;
  }

  // [field:] primary
  Parsed<QueryNode> parse_operand(int depth) {
    if (peek().kind != Lex::kField) return parse_primary(depth);
    const Lexeme& f = take();
    const auto field = field_of(f.text);
    if (peek().kind != Lex::kWord && peek().kind != Lex::kPhrase && peek().kind != Lex::kLParen) {
      return error_at(f.offset,
                      std::string(f.text) + " with no word, phrase or '(' right after it");
    }
    if (is_meta(field)) return parse_meta(f, field);
    const bool group = peek().kind == Lex::kLParen;
    auto operand = parse_primary(depth + 1);
    if (!operand) return operand;
    if (!group) operand->offset = f.offset;  // errors about the term point at its field
    if (auto bad = set_field(*operand, field)) return error_at(bad->offset, bad->message);
    return operand;
  }

  // source:id, lang:ar, source:(a OR b): values as written, not normalized.
  Parsed<QueryNode> parse_meta(const Lexeme& f, QueryNode::Field field) {
    const std::string usage =
        field == QueryNode::Field::kSource
            ? "source: takes a source id or a (a OR b) group of them"
            : "lang: takes a language code such as ar or en-GB, or a (a OR b) group of them";
    auto value = [&]() -> Parsed<QueryNode> {
      if (peek().kind != Lex::kWord) return error_at(peek().offset, usage);
      const Lexeme& l = take();
      if (field == QueryNode::Field::kLang) {
        bool ok = true;
        for (char c : l.text)
          ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-');
        if (!ok || l.text.size() < 2 || l.text.size() > 35) return error_at(l.offset, usage);
      }
      QueryNode n;
      n.kind = QueryNode::Kind::kMeta;
      n.field = field;
      n.text = std::string(l.text);
      n.offset = l.offset;
      return n;
    };
    if (peek().kind != Lex::kLParen) {
      auto n = value();
      if (n) n->offset = f.offset;
      return n;
    }
    const Lexeme& open = take();
    std::vector<QueryNode> alternatives;
    for (;;) {
      auto n = value();
      if (!n) return n;
      alternatives.push_back(std::move(*n));
      if (peek().kind == Lex::kRParen) break;
      if (peek().kind != Lex::kOr) {
        if (peek().kind == Lex::kEnd)
          return error_at(open.offset, "unbalanced parenthesis: '(' is never closed");
        return error_at(peek().offset, usage);
      }
      take();
    }
    take();
    QueryNode n = combine(QueryNode::Kind::kOr, std::move(alternatives));
    n.offset = f.offset;
    return n;
  }

  // Applies a field to every term under `n`; a nested different field is an error.
  static std::optional<ParseError> set_field(QueryNode& n, QueryNode::Field field) {
    if (n.kind == QueryNode::Kind::kTerm || n.kind == QueryNode::Kind::kPhrase ||
        n.kind == QueryNode::Kind::kMeta) {
      if (n.field != QueryNode::Field::kAny && n.field != field) {
        return ParseError{n.offset, "conflicting fields: " + std::string(field_name(field)) +
                                        " and " + std::string(field_name(n.field)) +
                                        " on the same term"};
      }
      n.field = field;
      return std::nullopt;
    }
    for (auto& c : n.children) {
      if (auto bad = set_field(c, field)) return bad;
    }
    return std::nullopt;
  }

  Parsed<QueryNode> parse_primary(int depth) {
    const Lexeme& next = peek();
    const Lexeme* prev = previous();
    switch (next.kind) {
      case Lex::kWord:
      case Lex::kPhrase:
        take();
        return leaf(next);
      case Lex::kLParen: {
        const Lexeme& open = take();
        if (peek().kind == Lex::kRParen) return error_at(open.offset, "empty parentheses");
        auto inner = parse_or(depth + 1);
        if (!inner) return inner;
        if (peek().kind != Lex::kRParen) {
          return error_at(open.offset, "unbalanced parenthesis: '(' is never closed");
        }
        take();
        return inner;
      }
      default:
        break;
    }
    // Something that cannot start an operand: say what is missing where.
    if (prev != nullptr && is_operator(prev->kind)) {
      return error_at(prev->offset, std::string(prev->text) + " with nothing after it");
    }
    if (next.kind == Lex::kAnd || next.kind == Lex::kOr || next.kind == Lex::kNear) {
      return error_at(next.offset, std::string(next.text) + " with nothing before it");
    }
    if (next.kind == Lex::kRParen) {
      return error_at(next.offset, "unbalanced parenthesis: ')' has no matching '('");
    }
    if (prev != nullptr && prev->kind == Lex::kLParen) {
      return error_at(prev->offset, "unbalanced parenthesis: '(' is never closed");
    }
    return error_at(next.offset, "empty query");
  }

  static Parsed<QueryNode> leaf(const Lexeme& l) {
    QueryNode n;
    n.kind = l.kind == Lex::kPhrase ? QueryNode::Kind::kPhrase : QueryNode::Kind::kTerm;
    n.text = std::string(l.text);
    n.offset = l.offset;
    n.exact = l.exact;
    std::string_view text = l.text;
    std::size_t base = l.offset;  // where `text` starts in the query
    if (l.kind == Lex::kWord) {
      if (text.starts_with('=')) {
        if (text.size() == 1)
          return error_at(l.offset, "'=' must be followed right away by a word or a phrase");
        n.exact = true;
        text.remove_prefix(1);
        ++base;
        n.text = std::string(text);
      }
      if (const std::size_t tilde = text.find('~'); tilde != std::string_view::npos) {
        const std::string_view edits = text.substr(tilde + 1);
        if (edits != "1") {
          const bool number = !edits.empty() && std::ranges::all_of(edits, [](char c) {
            return c >= '0' && c <= '9';
          });
          return error_at(base + tilde,
                          number ? "only one edit is supported: write ~1"
                                 : "'~' marks a fuzzy word only as ~1 at the end of a word");
        }
        n.fuzzy = true;
        text.remove_suffix(2);
        if (text.ends_with('*'))
          return error_at(base + tilde, "a prefix* cannot also be fuzzy (~1)");
      }
      if (const std::size_t star = text.find('*');
          star != std::string_view::npos && star + 1 != text.size()) {
        return error_at(base + star, "'*' marks a prefix only at the end of a word");
      }
      if (text.size() > 1 && text.ends_with('*')) {
        text.remove_suffix(1);
        n.prefix = true;
      }
    }
    std::vector<Token> tokens = tokenize(text);
    if (n.prefix && !tokens.empty()) {
      if (tokens.back().end != text.size()) {
        return error_at(base + text.size(), "'*' must follow a letter or digit");
      }
      if (code_points(tokens.back().key) < kMinPrefix) {
        return error_at(base + tokens.back().begin,
                        "prefix too short: give at least 3 letters before '*'");
      }
    }
    if (n.fuzzy && tokens.size() > 1) {
      return error_at(base,
                      "~1 applies to one word; write each word of " + quoted(text) + " apart");
    }
    if (n.fuzzy && !tokens.empty() && code_points(tokens[0].key) < kMinFuzzy) {
      return error_at(base, "fuzzy word too short: ~1 needs a word of at least 5 letters");
    }
    for (Token& t : tokens) {
      n.words.push_back(std::move(t.key));
      n.bare_words.push_back(std::move(t.alt_key));
    }
    if (n.words.empty()) {
      if (l.kind != Lex::kPhrase)
        return error_at(base, quoted(text) + " has no letters or digits to match");
      bool blank = true;
      for (std::size_t i = 0; i < l.text.size(); ++i) blank = blank && space_at(l.text, i) > 0;
      return error_at(l.offset,
                      blank ? "empty phrase" : "phrase has no letters or digits to match");
    }
    return n;
  }

  std::vector<Lexeme> lx_;
  std::size_t pos_ = 0;
};

// A word that reads like an operator written in lower case: the operator it
// looks like ("AND", "NEAR/5"), else "".
std::string operator_look_alike(std::string_view word) {
  std::string upper(word);
  for (char& c : upper) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
  }
  if (upper == word) return {};  // the operator itself, or not a letter in it
  if (upper == "AND" || upper == "OR" || upper == "NOT") return upper;
  if (is_near_operator(upper) && upper.find('/') != std::string::npos) return upper;
  return {};
}

}  // namespace

std::vector<std::string> query_warnings(std::string_view query, const SourcePos& pos) {
  std::vector<std::string> out;
  auto lexemes = lex(query);
  if (!lexemes) return out;  // parse_query reports it
  for (const Lexeme& l : *lexemes) {
    if (l.kind != Lex::kWord) continue;
    const std::string op = operator_look_alike(l.text);
    if (op.empty()) continue;
    const std::string message =
        "warning: " + quoted(l.text) +
        " is looked for as a word (operators are upper-case): did you mean " + op +
        "? To look for the word, quote it: \"" + std::string(l.text) + "\"";
    out.push_back(query_internal::format_error(query, pos, {l.offset, message}));
  }
  return out;
}

Result<QueryNode> parse_query(std::string_view query, const SourcePos& pos) {
  auto failed = [&](const ParseError& e) {
    return fail(Errc::kInvalid, query_internal::format_error(query, pos, e));
  };
  auto lexemes = lex(query);
  if (!lexemes) return failed(lexemes.error());
  if (lexemes->size() == 1) return failed({0, "empty query"});
  Parser parser(std::move(*lexemes));
  auto root = parser.parse();
  if (!root) return failed(root.error());
  if (!has_positive(*root)) return failed(explain_no_positive(*root));
  return std::move(*root);
}

}  // namespace nw
