#include "filters/query.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "filters/normalize.h"

namespace nw {
namespace {

constexpr int kMaxDepth = 64;
constexpr std::size_t kMinPrefix = 2;  // code points before '*'

std::size_t code_points(std::string_view s) {
  std::size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

enum class Lex { kWord, kPhrase, kField, kLParen, kRParen, kAnd, kOr, kNot, kEnd };

struct Lexeme {
  Lex kind = Lex::kEnd;
  std::string_view text;  // word, phrase contents, field name, operator as written
  std::size_t offset = 0;
};

struct ParseError {
  std::size_t offset = 0;
  std::string message;
};

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
    case ' ': case '\t': case '\n': case '\r': case '\f': case '\v':
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
    } else if (auto quote = quote_at(q, i)) {
      const std::size_t open = i;
      const std::size_t body = i + quote->width;
      const std::size_t close = q.find(quote->close, body);
      if (close == std::string_view::npos) return error_at(open, "unclosed quote");
      out.push_back({Lex::kPhrase, q.substr(body, close - body), open});
      i = close + quote->close.size();
    } else {
      const std::size_t start = i;
      while (i < q.size() && !ends_word(q, i)) ++i;
      std::string_view word = q.substr(start, i - start);
      if (word == "AND" || word == "OR" || word == "NOT") {
        out.push_back({word == "AND" ? Lex::kAnd : word == "OR" ? Lex::kOr : Lex::kNot, word, start});
        continue;
      }
      // title:word, body:"a phrase", title:(a OR b)
      for (std::string_view field : {"title:", "body:"}) {
        if (word.starts_with(field)) {
          out.push_back({Lex::kField, word.substr(0, field.size()), start});
          word.remove_prefix(field.size());
          break;
        }
      }
      if (!word.empty()) out.push_back({Lex::kWord, word, static_cast<std::size_t>(word.data() - q.data())});
    }
  }
  out.push_back({Lex::kEnd, {}, q.size()});
  return out;
}

bool is_operator(Lex k) { return k == Lex::kAnd || k == Lex::kOr || k == Lex::kNot || k == Lex::kField; }

std::string quoted(std::string_view s) { return "'" + std::string(s) + "'"; }

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
    return k == Lex::kWord || k == Lex::kPhrase || k == Lex::kLParen || k == Lex::kNot || k == Lex::kField;
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
    if (peek().kind == Lex::kField) {
      const Lexeme& f = take();
      const auto field = f.text == "title:" ? QueryNode::Field::kTitle : QueryNode::Field::kBody;
      if (peek().kind != Lex::kWord && peek().kind != Lex::kPhrase && peek().kind != Lex::kLParen) {
        return error_at(f.offset, std::string(f.text) + " with no word, phrase or '(' right after it");
      }
      const bool group = peek().kind == Lex::kLParen;
      auto operand = parse_primary(depth + 1);
      if (!operand) return operand;
      if (!group) operand->offset = f.offset;  // errors about the term point at its field
      if (auto bad = set_field(*operand, field)) return error_at(bad->offset, bad->message);
      return operand;
    }
    return parse_primary(depth);
  }

  // Applies a field to every term under `n`; a nested different field is an error.
  static std::optional<ParseError> set_field(QueryNode& n, QueryNode::Field field) {
    if (n.kind == QueryNode::Kind::kTerm || n.kind == QueryNode::Kind::kPhrase) {
      if (n.field != QueryNode::Field::kAny && n.field != field) {
        return ParseError{n.offset, "conflicting fields: title: and body: on the same term"};
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
    if (next.kind == Lex::kAnd || next.kind == Lex::kOr) {
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
    std::string_view text = l.text;
    if (l.kind == Lex::kWord) {
      if (const std::size_t star = text.find('*'); star != std::string_view::npos && star + 1 != text.size()) {
        return error_at(l.offset + star, "'*' marks a prefix only at the end of a word");
      }
      if (text.size() > 1 && text.ends_with('*')) {
        text.remove_suffix(1);
        n.prefix = true;
      }
    }
    std::vector<Token> tokens = tokenize(text);
    if (n.prefix && !tokens.empty()) {
      if (tokens.back().end != text.size()) {
        return error_at(l.offset + text.size(), "'*' must follow a letter or digit");
      }
      if (code_points(tokens.back().key) < kMinPrefix) {
        return error_at(l.offset + tokens.back().begin, "prefix too short: give at least 2 letters before '*'");
      }
    }
    for (Token& t : tokens) {
      n.words.push_back(std::move(t.key));
      n.bare_words.push_back(std::move(t.alt_key));
    }
    if (n.words.empty()) {
      if (l.kind != Lex::kPhrase) return error_at(l.offset, quoted(l.text) + " has no letters or digits to match");
      bool blank = true;
      for (std::size_t i = 0; i < l.text.size(); ++i) blank = blank && space_at(l.text, i) > 0;
      return error_at(l.offset, blank ? "empty phrase" : "phrase has no letters or digits to match");
    }
    return n;
  }

  std::vector<Lexeme> lx_;
  std::size_t pos_ = 0;
};

// Whether `n` requires some word to be present, so the matcher has an anchor.
bool has_positive(const QueryNode& n) {
  switch (n.kind) {
    case QueryNode::Kind::kTerm:
    case QueryNode::Kind::kPhrase:
      return true;
    case QueryNode::Kind::kNot:
      return false;
    case QueryNode::Kind::kAnd:
      for (const auto& c : n.children) {
        if (has_positive(c)) return true;
      }
      return false;
    case QueryNode::Kind::kOr:
      for (const auto& c : n.children) {
        if (!has_positive(c)) return false;
      }
      return true;
  }
  return false;
}

// The first place where the query lacks a positive term, with the reason.
ParseError explain_no_positive(const QueryNode& n) {
  if (n.kind == QueryNode::Kind::kOr) {
    for (const auto& c : n.children) {
      if (!has_positive(c)) {
        if (c.kind == QueryNode::Kind::kOr) return explain_no_positive(c);
        return {c.offset, "OR alternative has no positive term (NOT only excludes; add a word to look for)"};
      }
    }
  }
  return {n.offset, "rule has no positive term (NOT only excludes; add a word to look for)"};
}

std::string format_error(std::string_view query, const SourcePos& pos, const ParseError& e) {
  const std::size_t at = std::min(e.offset, query.size());
  int line = pos.line > 0 ? pos.line : 1;
  int column = pos.column > 0 ? pos.column : 1;
  std::size_t line_start = 0;
  for (std::size_t i = 0; i < at; ++i) {
    const auto ch = static_cast<unsigned char>(query[i]);
    if (ch == '\n') {
      ++line;
      column = 1;
      line_start = i + 1;
    } else if ((ch & 0xC0) != 0x80) {
      ++column;  // count code points: skip UTF-8 continuation bytes
    }
  }
  std::size_t line_end = query.find('\n', line_start);
  if (line_end == std::string_view::npos) line_end = query.size();
  std::string_view text = query.substr(line_start, line_end - line_start);
  if (text.ends_with('\r')) text.remove_suffix(1);
  std::string caret;
  for (std::size_t i = line_start; i < at; ++i) {
    const auto ch = static_cast<unsigned char>(query[i]);
    if (ch == '\t') {
      caret += '\t';  // keep the caret aligned under tabs
    } else if ((ch & 0xC0) != 0x80) {
      caret += ' ';
    }
  }
  const std::string file = pos.file.empty() ? "<query>" : pos.file;
  return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + e.message + "\n    " +
         std::string(text) + "\n    " + caret + "^";
}

void print(const QueryNode& n, std::string& out) {
  switch (n.kind) {
    case QueryNode::Kind::kTerm:
    case QueryNode::Kind::kPhrase: {
      if (n.field == QueryNode::Field::kTitle) out += "title:";
      if (n.field == QueryNode::Field::kBody) out += "body:";
      const bool quote = n.kind == QueryNode::Kind::kPhrase || n.words.size() > 1;
      if (quote) out += '"';
      for (std::size_t i = 0; i < n.words.size(); ++i) {
        if (i > 0) out += ' ';
        out += n.words[i];
      }
      if (n.prefix) out += '*';
      if (quote) out += '"';
      return;
    }
    case QueryNode::Kind::kAnd:
    case QueryNode::Kind::kOr:
    case QueryNode::Kind::kNot:
      out += n.kind == QueryNode::Kind::kAnd ? "(AND" : n.kind == QueryNode::Kind::kOr ? "(OR" : "(NOT";
      for (const auto& c : n.children) {
        out += ' ';
        print(c, out);
      }
      out += ')';
      return;
  }
}

}  // namespace

Result<QueryNode> parse_query(std::string_view query, const SourcePos& pos) {
  auto failed = [&](const ParseError& e) { return fail(Errc::kInvalid, format_error(query, pos, e)); };
  auto lexemes = lex(query);
  if (!lexemes) return failed(lexemes.error());
  if (lexemes->size() == 1) return failed({0, "empty query"});
  Parser parser(std::move(*lexemes));
  auto root = parser.parse();
  if (!root) return failed(root.error());
  if (!has_positive(*root)) return failed(explain_no_positive(*root));
  return std::move(*root);
}

std::string to_string(const QueryNode& node) {
  std::string out;
  print(node, out);
  return out;
}

}  // namespace nw
