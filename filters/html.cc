#include "filters/html.h"

#include <myhtml/api.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <string>
#include <utility>
#include <vector>

namespace nw::html {
namespace {

constexpr std::array<std::string_view, static_cast<std::size_t>(Tag::kCount_)> kTagNames = {
    "#document", "#text",  "#comment", "",           "a",        "abbr",       "address", "article",
    "aside",     "audio",  "b",        "blockquote", "body",     "br",         "button",  "canvas",
    "caption",   "center", "cite",     "code",       "dd",       "details",    "dialog",  "div",
    "dl",        "dt",     "em",       "embed",      "fieldset", "figcaption", "figure",  "font",
    "footer",    "form",   "h1",       "h2",         "h3",       "h4",         "h5",      "h6",
    "head",      "header", "hr",       "html",       "i",        "iframe",     "img",     "input",
    "label",     "legend", "li",       "link",       "main",     "mark",       "math",    "menu",
    "meta",      "nav",    "noscript", "object",     "ol",       "option",     "p",       "picture",
    "pre",       "q",      "s",        "script",     "section",  "select",     "small",   "source",
    "span",      "strong", "style",    "sub",        "summary",  "sup",        "svg",     "table",
    "tbody",     "td",     "template", "textarea",   "tfoot",    "th",         "thead",   "time",
    "title",     "tr",     "u",        "ul",         "video",
};

struct MyhtmlDeleter {
  void operator()(myhtml_t* p) const { myhtml_destroy(p); }
};
struct TreeDeleter {
  void operator()(myhtml_tree_t* p) const { myhtml_tree_destroy(p); }
};
using MyhtmlHandle = std::unique_ptr<myhtml_t, MyhtmlDeleter>;
using TreeHandle = std::unique_ptr<myhtml_tree_t, TreeDeleter>;

// After a page this large the tree is rebuilt rather than reused, so one huge
// page does not pin its memory in the thread's parser for good.
constexpr std::size_t kReuseLimit = 4u << 20;

// One myhtml instance per thread: myhtml_init is costly, a tree is not
// thread-safe, and single-threaded mode spawns no worker threads.
class Parser {
 public:
  Parser() {
    myhtml_.reset(myhtml_create());
    if (!myhtml_ ||
        myhtml_init(myhtml_.get(), MyHTML_OPTIONS_PARSE_MODE_SINGLE, 1, 0) != MyHTML_STATUS_OK) {
      myhtml_.reset();
      return;
    }
    tree_ = new_tree();
    if (!tree_) return;
    tags_.fill(Tag::kOther);
    tags_[MyHTML_TAG__TEXT] = Tag::kText;
    tags_[MyHTML_TAG__COMMENT] = Tag::kComment;
    for (myhtml_tag_id_t id = MyHTML_TAG_A; id < MyHTML_TAG_LAST_ENTRY; ++id) {
      std::size_t len = 0;
      const char* name = myhtml_tag_name_by_id(tree_.get(), id, &len);
      if (name == nullptr) continue;
      const auto it =
          std::find(kTagNames.begin() + 4, kTagNames.end(), std::string_view(name, len));
      if (it != kTagNames.end()) tags_[id] = static_cast<Tag>(it - kTagNames.begin());
    }
  }

  bool ok() const { return myhtml_ && tree_; }
  myhtml_tree_t* tree() { return tree_.get(); }
  Tag tag_of(myhtml_tag_id_t id) const { return id < tags_.size() ? tags_[id] : Tag::kOther; }
  void done(std::size_t input_size) {
    // A reused tree is cleaned by the next myhtml_parse() itself.
    if (input_size > kReuseLimit) tree_ = new_tree();
  }

 private:
  TreeHandle new_tree() {
    TreeHandle t(myhtml_tree_create());
    if (t && myhtml_tree_init(t.get(), myhtml_.get()) != MyHTML_STATUS_OK) t.reset();
    return t;
  }

  MyhtmlHandle myhtml_;
  TreeHandle tree_;
  std::array<Tag, MyHTML_TAG_LAST_ENTRY> tags_{};
};

}  // namespace

namespace detail {

struct NodeData {
  std::uint32_t parent = Node::kNone;
  std::uint32_t first_child = Node::kNone;
  std::uint32_t last_child = Node::kNone;
  std::uint32_t next_sibling = Node::kNone;
  std::uint32_t end = 0;
  std::uint32_t str_begin = 0;  // text for text/comment nodes, name for kOther elements
  std::uint32_t str_len = 0;
  std::uint32_t attr_begin = 0;
  std::uint32_t attr_count = 0;
  Tag tag = Tag::kOther;
};

struct Impl {
  std::vector<NodeData> nodes;
  std::vector<char> pool;  // vector, not string: moves keep the buffer (views stay valid)
  std::vector<Attribute> attrs;

  std::string_view str(std::uint32_t begin, std::uint32_t len) const {
    return {pool.data() + begin, len};
  }
};

}  // namespace detail

using detail::Impl;
using detail::NodeData;

std::string_view tag_name(Tag tag) {
  const auto i = static_cast<std::size_t>(tag);
  return i < kTagNames.size() ? kTagNames[i] : std::string_view();
}

// ---- Node ----

std::uint32_t Node::end() const { return impl_->nodes[id_].end; }
Tag Node::tag() const { return impl_->nodes[id_].tag; }

std::string_view Node::name() const {
  const NodeData& d = impl_->nodes[id_];
  return d.tag == Tag::kOther ? impl_->str(d.str_begin, d.str_len) : tag_name(d.tag);
}

bool Node::is_element() const {
  const Tag t = tag();
  return t != Tag::kDocument && t != Tag::kText && t != Tag::kComment;
}

std::string_view Node::text() const {
  const NodeData& d = impl_->nodes[id_];
  if (d.tag != Tag::kText && d.tag != Tag::kComment) return {};
  return impl_->str(d.str_begin, d.str_len);
}

std::span<const Attribute> Node::attributes() const {
  const NodeData& d = impl_->nodes[id_];
  return std::span<const Attribute>(impl_->attrs).subspan(d.attr_begin, d.attr_count);
}

std::string_view Node::attr(std::string_view name) const {
  for (const Attribute& a : attributes()) {
    if (a.name == name) return a.value;
  }
  return {};
}

bool Node::has_attr(std::string_view name) const {
  return std::ranges::any_of(attributes(), [&](const Attribute& a) { return a.name == name; });
}

Node Node::parent() const {
  const auto p = impl_->nodes[id_].parent;
  return p == kNone ? Node() : Node(impl_, p);
}
Node Node::first_child() const {
  const auto c = impl_->nodes[id_].first_child;
  return c == kNone ? Node() : Node(impl_, c);
}
Node Node::last_child() const {
  const auto c = impl_->nodes[id_].last_child;
  return c == kNone ? Node() : Node(impl_, c);
}
Node Node::next_sibling() const {
  const auto s = impl_->nodes[id_].next_sibling;
  return s == kNone ? Node() : Node(impl_, s);
}

Node Node::following() const {
  return id_ + 1 < impl_->nodes.size() ? Node(impl_, id_ + 1) : Node();
}
Node Node::after() const {
  const std::uint32_t e = end();
  return e < impl_->nodes.size() ? Node(impl_, e) : Node();
}

std::string Node::text_content() const {
  std::string out;
  const std::uint32_t stop = end();
  for (std::uint32_t i = id_; i < stop;) {
    const NodeData& d = impl_->nodes[i];
    if (i != id_ && (d.tag == Tag::kScript || d.tag == Tag::kStyle || d.tag == Tag::kTemplate)) {
      i = d.end;
      continue;
    }
    if (d.tag == Tag::kText) out.append(impl_->str(d.str_begin, d.str_len));
    ++i;
  }
  return out;
}

// ---- Document ----

Document::Document(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Document::Document(Document&&) noexcept = default;
Document& Document::operator=(Document&&) noexcept = default;
Document::~Document() = default;

std::size_t Document::size() const { return impl_->nodes.size(); }
Node Document::node(std::uint32_t id) const { return Node(impl_.get(), id); }

Node Document::first(Tag tag) const {
  for (std::uint32_t i = 0; i < impl_->nodes.size(); ++i) {
    if (impl_->nodes[i].tag == tag) return Node(impl_.get(), i);
  }
  return {};
}

std::vector<Node> Document::all(Tag tag) const {
  std::vector<Node> out;
  for (std::uint32_t i = 0; i < impl_->nodes.size(); ++i) {
    if (impl_->nodes[i].tag == tag) out.push_back(Node(impl_.get(), i));
  }
  return out;
}

// ---- parsing ----

namespace {

struct RawAttr {
  std::uint32_t name_begin, name_len, value_begin, value_len;
};

class Builder {
 public:
  Builder(Parser& parser, Impl& impl, bool skip_script_text)
      : parser_(parser), impl_(impl), skip_script_text_(skip_script_text) {}

  // Copies the myhtml tree into `impl_` in document order, without recursion
  // (pages nest thousands deep).
  void build(myhtml_tree_node_t* document) {
    add(document, Tag::kDocument, Node::kNone);
    std::uint32_t parent = 0;
    myhtml_tree_node_t* cur = myhtml_node_child(document);
    while (true) {
      while (cur != nullptr) {
        const std::uint32_t id = add(cur, Tag::kOther, parent);
        if (myhtml_tree_node_t* child = myhtml_node_child(cur)) {
          parent = id;
          cur = child;
        } else {
          impl_.nodes[id].end = id + 1;
          cur = myhtml_node_next(cur);
        }
      }
      impl_.nodes[parent].end = static_cast<std::uint32_t>(impl_.nodes.size());
      if (parent == 0) break;
      cur = myhtml_node_next(source_[parent]);
      parent = impl_.nodes[parent].parent;
    }
    impl_.attrs.reserve(raw_attrs_.size());
    for (const RawAttr& a : raw_attrs_) {
      impl_.attrs.push_back(
          {impl_.str(a.name_begin, a.name_len), impl_.str(a.value_begin, a.value_len)});
    }
  }

 private:
  std::uint32_t add(myhtml_tree_node_t* src, Tag tag, std::uint32_t parent) {
    const auto id = static_cast<std::uint32_t>(impl_.nodes.size());
    NodeData d;
    d.parent = parent;
    if (tag != Tag::kDocument) {
      const myhtml_tag_id_t tid = myhtml_node_tag_id(src);
      tag = parser_.tag_of(tid);
      if (tag == Tag::kText || tag == Tag::kComment) {
        std::size_t len = 0;
        const char* text = myhtml_node_text(src, &len);
        if (skip_text(parent)) len = 0;
        store(text, len, d.str_begin, d.str_len);
      } else if (tid == MyHTML_TAG__DOCTYPE) {
        tag = Tag::kComment;  // keeps the tree shape without inventing a node kind
      } else if (tag == Tag::kOther) {
        std::size_t len = 0;
        const char* name = myhtml_tag_name_by_id(parser_.tree(), tid, &len);
        store_lower(name, len, d.str_begin, d.str_len);
      }
      if (tag != Tag::kText && tag != Tag::kComment) {
        d.attr_begin = static_cast<std::uint32_t>(raw_attrs_.size());
        for (myhtml_tree_attr_t* a = myhtml_node_attribute_first(src); a != nullptr;
             a = myhtml_attribute_next(a)) {
          RawAttr r{};
          std::size_t klen = 0, vlen = 0;
          const char* key = myhtml_attribute_key(a, &klen);
          const char* value = myhtml_attribute_value(a, &vlen);
          if (key == nullptr || klen == 0) continue;
          store(key, klen, r.name_begin, r.name_len);  // the tokenizer lower-cased it
          store(value, vlen, r.value_begin, r.value_len);
          raw_attrs_.push_back(r);
        }
        d.attr_count = static_cast<std::uint32_t>(raw_attrs_.size()) - d.attr_begin;
      }
    }
    d.tag = tag;
    impl_.nodes.push_back(d);
    source_.push_back(src);
    if (parent != Node::kNone) {
      NodeData& p = impl_.nodes[parent];
      if (p.last_child == Node::kNone) {
        p.first_child = id;
      } else {
        impl_.nodes[p.last_child].next_sibling = id;
      }
      p.last_child = id;
    }
    return id;
  }

  // With ParseOptions::skip_script_text: code and CSS are not copied, JSON is.
  bool skip_text(std::uint32_t parent) const {
    if (!skip_script_text_ || parent == Node::kNone) return false;
    const NodeData& p = impl_.nodes[parent];
    if (p.tag == Tag::kStyle) return true;
    if (p.tag != Tag::kScript) return false;
    for (std::uint32_t i = p.attr_begin; i < p.attr_begin + p.attr_count; ++i) {
      const RawAttr& a = raw_attrs_[i];
      if (impl_.str(a.name_begin, a.name_len) != "type") continue;
      const std::string_view type = impl_.str(a.value_begin, a.value_len);
      return type.find("json") == std::string_view::npos &&
             type.find("JSON") == std::string_view::npos;
    }
    return true;
  }

  void store(const char* s, std::size_t len, std::uint32_t& begin, std::uint32_t& out_len) {
    begin = static_cast<std::uint32_t>(impl_.pool.size());
    if (s != nullptr) impl_.pool.insert(impl_.pool.end(), s, s + len);
    out_len = static_cast<std::uint32_t>(impl_.pool.size()) - begin;
  }

  void store_lower(const char* s, std::size_t len, std::uint32_t& begin, std::uint32_t& out_len) {
    store(s, len, begin, out_len);
    for (std::uint32_t i = begin; i < begin + out_len; ++i) {
      char& c = impl_.pool[i];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
  }

  Parser& parser_;
  Impl& impl_;
  std::vector<RawAttr> raw_attrs_;
  std::vector<myhtml_tree_node_t*> source_;
  bool skip_script_text_;
};

}  // namespace

namespace {

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
}

// Reads a tag name at `i` into `buf` (lower-case, at most 15 chars kept).
std::string_view lower_name(std::string_view s, std::size_t& i, std::array<char, 16>& buf) {
  std::size_t n = 0;
  while (i < s.size() && is_name_char(s[i])) {
    if (n < buf.size()) {
      const char c = s[i];
      buf[n++] = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    }
    ++i;
  }
  return {buf.data(), n};
}

// Elements that never nest: void elements and those whose end tag is implied
// by a sibling (<p>, <li>, <td>...), as HTML5 tree construction treats them.
bool flat_element(std::string_view n) {
  // Dispatch on length first: this runs for every tag of every page.
  switch (n.size()) {
    case 1:
      return n[0] == 'p';
    case 2:
      return n == "br" || n == "hr" || n == "li" || n == "dt" || n == "dd" || n == "tr" ||
             n == "td" || n == "th" || n == "rb" || n == "rt" || n == "rp";
    case 3:
      return n == "img" || n == "col" || n == "wbr";
    case 4:
      return n == "meta" || n == "link" || n == "area" || n == "base" || n == "html" ||
             n == "head" || n == "body";
    case 5:
      return n == "input" || n == "embed" || n == "param" || n == "track" || n == "tbody" ||
             n == "thead" || n == "tfoot";
    case 6:
      return n == "source" || n == "option";
    case 8:
      return n == "optgroup" || n == "colgroup";
    default:
      return false;
  }
}

// Tree construction checks scopes against the stack of open elements, so its
// cost grows with nesting depth times the number of tags: 100k nested <div>s
// take many seconds. This linear pre-scan estimates both from the bytes and
// refuses documents no real page produces, keeping parse time bounded.
std::string check_nesting(std::string_view s) {
  constexpr std::size_t kMaxDepth = 4096;
  constexpr std::uint64_t kMaxWork = 200'000'000;  // sum of depths over start tags
  std::size_t depth = 0;
  std::uint64_t work = 0;
  std::size_t i = 0;
  while ((i = s.find('<', i)) != std::string_view::npos) {
    ++i;
    if (i >= s.size()) break;
    if (s[i] == '!') {
      const std::size_t close = s.compare(i, 3, "!--") == 0 ? s.find("-->", i + 3) : s.find('>', i);
      if (close == std::string_view::npos) break;
      i = close + 1;
      continue;
    }
    const bool end_tag = s[i] == '/';
    if (end_tag) ++i;
    std::array<char, 16> buf;
    const std::string_view name = lower_name(s, i, buf);
    if (name.empty() || !std::isalpha(static_cast<unsigned char>(name[0]))) continue;
    const std::size_t gt = s.find('>', i);
    if (gt == std::string_view::npos) break;
    const bool self_closing = gt > 0 && s[gt - 1] == '/';
    i = gt + 1;
    if (flat_element(name)) continue;
    if (end_tag) {
      if (depth > 0) --depth;
      continue;
    }
    if (name == "script" || name == "style" || name == "textarea" || name == "title" ||
        name == "xmp" || name == "noscript") {
      // Raw text: skip to the matching end tag (case-insensitively enough).
      std::size_t close = i;
      while ((close = s.find("</", close)) != std::string_view::npos) {
        std::size_t j = close + 2;
        std::array<char, 16> other;
        if (lower_name(s, j, other) == name) break;
        close += 2;
      }
      if (close == std::string_view::npos) break;
      i = close;
      continue;
    }
    if (self_closing) continue;
    ++depth;
    work += depth;
    if (depth > kMaxDepth) {
      return "HTML nesting deeper than " + std::to_string(kMaxDepth) + " elements";
    }
    if (work > kMaxWork) return "HTML element nesting too costly to parse (deep and long)";
  }
  return {};
}

// ---- code left out before parsing ----
//
// With skip_script_text the Builder drops the text of <style> and of non-JSON
// <script>, but myhtml still copies it byte by byte first, and pages carry
// more code than prose. blank_code() replaces each such text with one 'x'
// before myhtml sees it, so the tree keeps the same nodes (a text child the
// Builder empties) at a fraction of the cost. It follows the HTML tokenizer
// only as far as it can exactly: at anything whose tokenizer state depends on
// tree construction it cannot see (foreign content, <select>, <frameset>,
// <plaintext>, a script with "<!--" and "<script" inside, a cut-off tag), it
// stops and leaves the rest of the document as it is.

bool ascii_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'; }
bool ascii_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// Case-insensitive search for `needle` (lower case) from `from`.
std::size_t ifind(std::string_view s, std::string_view needle, std::size_t from) {
  if (needle.empty()) return from;
  while (from + needle.size() <= s.size()) {
    // Find the first character either way, then compare the rest.
    const char first = needle[0];
    std::size_t at = std::string_view::npos;
    for (std::size_t k = from; k + needle.size() <= s.size(); ++k) {
      if (ascii_lower(s[k]) == first) {
        at = k;
        break;
      }
    }
    if (at == std::string_view::npos) return at;
    std::size_t k = 1;
    while (k < needle.size() && ascii_lower(s[at + k]) == needle[k]) ++k;
    if (k == needle.size()) return at;
    from = at + 1;
  }
  return std::string_view::npos;
}

// Where raw text (script data, RAWTEXT, RCDATA) opened by <name> ends: the
// first "</name" followed by whitespace, '/' or '>'; npos when it runs to the
// end of the document.
std::size_t raw_text_end(std::string_view s, std::size_t from, std::string_view name) {
  for (std::size_t at = s.find("</", from); at != std::string_view::npos;
       at = s.find("</", at + 2)) {
    std::size_t k = 0;
    while (k < name.size() && at + 2 + k < s.size() && ascii_lower(s[at + 2 + k]) == name[k]) ++k;
    if (k < name.size()) continue;
    const std::size_t after = at + 2 + k;
    if (after >= s.size()) return std::string_view::npos;
    if (ascii_space(s[after]) || s[after] == '/' || s[after] == '>') return at;
  }
  return std::string_view::npos;
}

// Just past the "-->" or "--!>" that closes a comment whose text starts at
// `from`; npos when it runs to the end of the document.
std::size_t comment_end(std::string_view s, std::size_t from) {
  for (std::size_t at = s.find("--", from); at != std::string_view::npos;
       at = s.find("--", at + 1)) {
    if (s.compare(at + 2, 1, ">") == 0) return at + 3;
    if (s.compare(at + 2, 2, "!>") == 0) return at + 4;
  }
  return std::string_view::npos;
}

struct ScannedTag {
  std::size_t end = std::string_view::npos;  // just past its '>', npos if cut off
  std::string_view type;                     // its first "type" attribute's raw value
  bool self_closing = false;                 // "/>"
};

// A tag whose name ends at `i`, to its closing '>', attribute quotes honoured
// as the tokenizer's attribute states do.
ScannedTag scan_tag(std::string_view s, std::size_t i) {
  ScannedTag tag;
  bool seen_type = false;
  bool slash = false;  // the tokenizer's self-closing start tag state
  while (i < s.size()) {
    const char c = s[i];
    if (ascii_space(c) || c == '/') {
      slash = c == '/';
      ++i;
      continue;
    }
    if (c == '>') {
      tag.end = i + 1;
      tag.self_closing = slash;
      return tag;
    }
    slash = false;
    // An attribute name: up to whitespace, '/', '>' or '=' (a leading '=' is
    // part of the name).
    const std::size_t name_begin = i;
    ++i;
    while (i < s.size() && !ascii_space(s[i]) && s[i] != '/' && s[i] != '>' && s[i] != '=') ++i;
    const std::string_view name = s.substr(name_begin, i - name_begin);
    while (i < s.size() && ascii_space(s[i])) ++i;
    if (i >= s.size() || s[i] != '=') continue;  // no value
    ++i;
    while (i < s.size() && ascii_space(s[i])) ++i;
    if (i >= s.size()) break;
    std::string_view value;
    if (s[i] == '"' || s[i] == '\'') {
      const std::size_t close = s.find(s[i], i + 1);
      if (close == std::string_view::npos) break;
      value = s.substr(i + 1, close - i - 1);
      i = close + 1;
    } else if (s[i] == '>') {
      continue;  // a missing value: the '>' ends the tag
    } else {
      const std::size_t value_begin = i;
      while (i < s.size() && !ascii_space(s[i]) && s[i] != '>') ++i;
      value = s.substr(value_begin, i - value_begin);
    }
    if (!seen_type && name.size() == 4 && ascii_lower(name[0]) == 't' &&
        ascii_lower(name[1]) == 'y' && ascii_lower(name[2]) == 'p' && ascii_lower(name[3]) == 'e') {
      seen_type = true;
      tag.type = value;
    }
  }
  return tag;
}

// A tag name at `i` (it starts with a letter), lower-cased, and where it ends.
std::string tag_name_at(std::string_view s, std::size_t i, std::size_t& name_end) {
  std::string name;
  for (name_end = i;
       name_end < s.size() && !ascii_space(s[name_end]) && s[name_end] != '/' && s[name_end] != '>';
       ++name_end) {
    name += ascii_lower(s[name_end]);
  }
  return name;
}

// HTML elements that end foreign content when they start inside it.
bool breaks_out_of_foreign(std::string_view n) {
  static constexpr std::array<std::string_view, 46> kNames = {"b",          "big",
                                                              "blockquote", "body",
                                                              "br",         "center",
                                                              "code",       "dd",
                                                              "div",        "dl",
                                                              "dt",         "em",
                                                              "embed",      "h1",
                                                              "h2",         "h3",
                                                              "h4",         "h5",
                                                              "h6",         "head",
                                                              "hr",         "i",
                                                              "img",        "li",
                                                              "listing",    "menu",
                                                              "meta",       "nobr",
                                                              "ol",         "p",
                                                              "pre",        "ruby",
                                                              "s",          "small",
                                                              "span",       "strong",
                                                              "strike",     "sub",
                                                              "sup",        "table",
                                                              "tt",         "u",
                                                              "ul",         "var",
                                                              "font",       "annotation-xml"};
  return std::ranges::find(kNames, n) != kNames.end();
}

// Where HTML takes over again inside SVG or MathML.
bool integration_point(std::string_view n) {
  return n == "foreignobject" || n == "desc" || n == "title" || n == "mi" || n == "mo" ||
         n == "mn" || n == "ms" || n == "mtext";
}

// Just past the end tag that closes the <svg> or <math> whose start tag ends
// at `i`, when everything in it is foreign elements, text, comments and
// CDATA, well nested (an integration point holding text only); npos
// otherwise, or when it runs to the end of the document.
std::size_t foreign_end(std::string_view s, std::size_t i, std::string root) {
  std::vector<std::string> open{std::move(root)};
  while ((i = s.find('<', i)) != std::string_view::npos) {
    const std::size_t lt = i;
    if (lt + 1 >= s.size()) break;
    const char next = s[lt + 1];
    if (s.compare(lt, 9, "<![CDATA[") == 0) {
      const std::size_t close = s.find("]]>", lt + 9);
      if (close == std::string_view::npos) break;
      i = close + 3;
      continue;
    }
    if (next == '!' || next == '?') break;  // rare inside SVG: not followed
    const bool end_tag = next == '/';
    const std::size_t name_begin = lt + (end_tag ? 2 : 1);
    if (name_begin >= s.size() || !ascii_alpha(s[name_begin])) {
      if (end_tag) break;
      i = lt + 1;
      continue;
    }
    std::size_t name_end = 0;
    std::string name = tag_name_at(s, name_begin, name_end);
    const ScannedTag tag = scan_tag(s, name_end);
    if (tag.end == std::string_view::npos) break;
    i = tag.end;
    if (end_tag) {
      if (name != open.back()) break;
      open.pop_back();
      if (open.empty()) return i;
      continue;
    }
    if (breaks_out_of_foreign(name)) break;
    if (tag.self_closing) continue;
    if (integration_point(name)) {
      // Text only, then its own end tag.
      const std::size_t lt2 = s.find('<', i);
      if (lt2 == std::string_view::npos || s.compare(lt2, 2, "</") != 0) break;
      std::size_t end2 = 0;
      if (lt2 + 2 >= s.size() || tag_name_at(s, lt2 + 2, end2) != name) break;
    }
    open.push_back(std::move(name));
  }
  return std::string_view::npos;
}

// The document with the text of each <style> and non-JSON <script> replaced
// by "x", or an empty string when nothing was replaced.
std::string blank_code(std::string_view s) {
  std::string out;
  std::size_t copied = 0;  // s[0, copied) is in out
  const auto blank = [&](std::size_t begin, std::size_t end) {
    if (end - begin <= 1) return;
    if (out.empty()) out.reserve(s.size());
    out.append(s.substr(copied, begin - copied));
    out += 'x';
    copied = end;
  };
  std::size_t i = 0;
  while ((i = s.find('<', i)) != std::string_view::npos) {
    const std::size_t lt = i;
    if (lt + 1 >= s.size()) break;
    const char next = s[lt + 1];
    if (next == '!') {
      if (s.compare(lt, 4, "<!--") == 0) {
        // "<!-->" and "<!--->" close at once; else "-->" or "--!>" closes.
        if (lt + 4 < s.size() && s[lt + 4] == '>') {
          i = lt + 5;
          continue;
        }
        if (s.compare(lt + 4, 2, "->") == 0) {
          i = lt + 6;
          continue;
        }
        const std::size_t close = comment_end(s, lt + 4);
        if (close == std::string_view::npos) break;
        i = close;
        continue;
      }
      const std::size_t gt = s.find('>', lt + 2);  // doctype or bogus comment
      if (gt == std::string_view::npos) break;
      i = gt + 1;
      continue;
    }
    if (next == '?') {
      const std::size_t gt = s.find('>', lt + 2);
      if (gt == std::string_view::npos) break;
      i = gt + 1;
      continue;
    }
    const bool end_tag = next == '/';
    const std::size_t name_begin = lt + (end_tag ? 2 : 1);
    if (name_begin >= s.size()) break;
    if (!ascii_alpha(s[name_begin])) {
      if (end_tag) {  // "</>" is dropped, "</3" a bogus comment to '>'
        if (s[name_begin] == '>') {
          i = name_begin + 1;
          continue;
        }
        const std::size_t gt = s.find('>', name_begin);
        if (gt == std::string_view::npos) break;
        i = gt + 1;
        continue;
      }
      i = lt + 1;  // a '<' that starts no tag is text
      continue;
    }
    std::size_t name_end = name_begin;
    while (name_end < s.size() && !ascii_space(s[name_end]) && s[name_end] != '/' &&
           s[name_end] != '>') {
      ++name_end;
    }
    std::array<char, 16> buf{};
    const std::size_t len = name_end - name_begin;
    for (std::size_t k = 0; k < len && k < buf.size(); ++k) buf[k] = ascii_lower(s[name_begin + k]);
    const std::string_view name(buf.data(), std::min(len, buf.size()));
    const ScannedTag tag = scan_tag(s, name_end);
    if (tag.end == std::string_view::npos) break;
    i = tag.end;
    if (end_tag || len > buf.size()) continue;
    if (name == "svg" || name == "math") {
      if (tag.self_closing) continue;
      const std::size_t close = foreign_end(s, i, std::string(name));
      if (close == std::string_view::npos) break;
      i = close;
      continue;
    }
    if (name == "select" || name == "frameset" || name == "plaintext") break;
    if (name == "title" || name == "textarea" || name == "xmp" || name == "iframe" ||
        name == "noembed" || name == "noframes") {
      const std::size_t close = raw_text_end(s, i, name);
      if (close == std::string_view::npos) break;
      i = close;
      continue;
    }
    if (name == "style") {
      const std::size_t close = raw_text_end(s, i, name);
      if (close == std::string_view::npos) break;
      blank(i, close);
      i = close;
      continue;
    }
    if (name != "script") continue;
    const std::size_t close = raw_text_end(s, i, name);
    if (close == std::string_view::npos) break;
    const std::string_view body = s.substr(i, close - i);
    // "<!--" then "<script" inside can make "</script>" not end it.
    if (body.find("<!--") != std::string_view::npos &&
        ifind(body, "<script", 0) != std::string_view::npos) {
      break;
    }
    // The Builder keeps JSON; a type written with a character reference may
    // decode to one, so it is kept as well.
    const bool code = tag.type.find("json") == std::string_view::npos &&
                      tag.type.find("JSON") == std::string_view::npos &&
                      tag.type.find('&') == std::string_view::npos;
    if (code) blank(i, close);
    i = close;
  }
  if (!out.empty()) out.append(s.substr(copied));
  return out;
}

}  // namespace

Result<Document> parse_impl(std::string_view utf8, const ParseOptions& options) {
  const std::size_t max_bytes = options.max_bytes;
  if (utf8.size() > max_bytes) {
    return fail(Errc::kTooLarge, "HTML document of " + std::to_string(utf8.size()) +
                                     " bytes exceeds the parser limit of " +
                                     std::to_string(max_bytes) + " bytes");
  }
  if (std::string problem = check_nesting(utf8); !problem.empty()) {
    return fail(Errc::kTooLarge, std::move(problem));
  }
  thread_local Parser parser;
  if (!parser.ok()) return fail(Errc::kInternal, "myhtml parser could not be initialised");

  auto impl = std::make_unique<Impl>();
  const std::string blanked = options.skip_script_text ? blank_code(utf8) : std::string();
  const std::string_view input = blanked.empty() ? utf8 : std::string_view(blanked);
  // myhtml wants a non-null buffer even for empty input.
  static constexpr char kEmpty[] = "";
  const char* data = input.empty() ? kEmpty : input.data();
  if (myhtml_parse(parser.tree(), MyENCODING_UTF_8, data, input.size()) != MyHTML_STATUS_OK) {
    parser.done(utf8.size());
    return fail(Errc::kParse, "myhtml could not parse the document");
  }
  impl->pool.reserve(utf8.size() / 2 + 64);
  impl->nodes.reserve(utf8.size() / 24 + 16);
  Builder builder(parser, *impl, options.skip_script_text);
  builder.build(myhtml_tree_get_document(parser.tree()));
  parser.done(utf8.size());
  return Document(std::move(impl));
}

Result<Document> parse(std::string_view utf8, const ParseOptions& options) {
  return parse_impl(utf8, options);
}

}  // namespace nw::html
