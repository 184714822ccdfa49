#include "filters/html.h"

#include <myhtml/api.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>

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
  // myhtml wants a non-null buffer even for empty input.
  static constexpr char kEmpty[] = "";
  const char* data = utf8.empty() ? kEmpty : utf8.data();
  if (myhtml_parse(parser.tree(), MyENCODING_UTF_8, data, utf8.size()) != MyHTML_STATUS_OK) {
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
