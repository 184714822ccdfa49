// A small read-only DOM over an HTML5 parser (myhtml today, kept behind this
// header so it can be swapped for lexbor). A Document owns all its nodes and
// strings; Nodes are cheap handles valid while their Document lives, even if
// the Document is moved. parse() is safe from any thread (one parser per thread).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "feeds/error.h"

namespace nw::html {

// Elements the filters care about; everything else is kOther (see Node::name()).
enum class Tag : std::uint8_t {
  kDocument,
  kText,
  kComment,
  kOther,
  kA,
  kAbbr,
  kAddress,
  kArticle,
  kAside,
  kAudio,
  kB,
  kBlockquote,
  kBody,
  kBr,
  kButton,
  kCanvas,
  kCaption,
  kCenter,
  kCite,
  kCode,
  kDd,
  kDetails,
  kDialog,
  kDiv,
  kDl,
  kDt,
  kEm,
  kEmbed,
  kFieldset,
  kFigcaption,
  kFigure,
  kFont,
  kFooter,
  kForm,
  kH1,
  kH2,
  kH3,
  kH4,
  kH5,
  kH6,
  kHead,
  kHeader,
  kHr,
  kHtml,
  kI,
  kIframe,
  kImg,
  kInput,
  kLabel,
  kLegend,
  kLi,
  kLink,
  kMain,
  kMark,
  kMath,
  kMenu,
  kMeta,
  kNav,
  kNoscript,
  kObject,
  kOl,
  kOption,
  kP,
  kPicture,
  kPre,
  kQ,
  kS,
  kScript,
  kSection,
  kSelect,
  kSmall,
  kSource,
  kSpan,
  kStrong,
  kStyle,
  kSub,
  kSummary,
  kSup,
  kSvg,
  kTable,
  kTbody,
  kTd,
  kTemplate,
  kTextarea,
  kTfoot,
  kTh,
  kThead,
  kTime,
  kTitle,
  kTr,
  kU,
  kUl,
  kVideo,
  kCount_,
};

// Lower-case element name ("div"), or "#document", "#text", "#comment"; "" for kOther.
std::string_view tag_name(Tag tag);

struct Attribute {
  std::string_view name;   // lower-case
  std::string_view value;  // character references decoded
};

namespace detail {
struct Impl;
}
struct ParseOptions;

class Node {
 public:
  static constexpr std::uint32_t kNone = UINT32_MAX;

  Node() = default;
  explicit operator bool() const { return impl_ != nullptr; }
  friend bool operator==(const Node&, const Node&) = default;

  // Position in document order (0 is the document node); for side tables.
  std::uint32_t id() const { return id_; }
  // One past the id of this node's last descendant: descendants are (id, end).
  std::uint32_t end() const;

  Tag tag() const;
  std::string_view name() const;  // lower-case, also for unknown elements
  bool is_element() const;
  bool is_text() const { return tag() == Tag::kText; }

  std::string_view text() const;  // text and comment nodes (entities decoded); "" otherwise
  std::span<const Attribute> attributes() const;
  std::string_view attr(std::string_view name) const;  // "" when absent
  bool has_attr(std::string_view name) const;

  Node parent() const;
  Node first_child() const;
  Node last_child() const;
  Node next_sibling() const;
  // Document order: the next node (first child if any), and the first node
  // after this subtree; null at the end of the document.
  Node following() const;
  Node after() const;
  bool contains(const Node& other) const { return other.id_ >= id_ && other.id_ < end(); }

  // All descendant text concatenated as in the source (no whitespace collapsing),
  // skipping <script>, <style> and <template> contents.
  std::string text_content() const;

 private:
  friend class Document;
  Node(const detail::Impl* impl, std::uint32_t id) : impl_(impl), id_(id) {}
  const detail::Impl* impl_ = nullptr;
  std::uint32_t id_ = kNone;
};

class Document {
 public:
  Document(Document&&) noexcept;
  Document& operator=(Document&&) noexcept;
  ~Document();

  std::size_t size() const;           // number of nodes
  Node node(std::uint32_t id) const;  // REQUIRES: id < size()
  Node root() const { return node(0); }
  Node first(Tag tag) const;  // first element of that kind in document order, or null
  std::vector<Node> all(Tag tag) const;

 private:
  friend Result<Document> parse_impl(std::string_view, const ParseOptions&);
  explicit Document(std::unique_ptr<detail::Impl> impl);
  std::unique_ptr<detail::Impl> impl_;
};

struct ParseOptions {
  std::size_t max_bytes = 32u << 20;  // larger inputs fail with Errc::kTooLarge
  // Drops the text of <style> and of <script> unless its type names JSON
  // (JSON-LD stays readable): pages carry more code than prose, and copying it
  // is wasted work for text extraction. It is left out before myhtml reads the
  // page wherever the tokenizer's state is certain; the tree is the same.
  bool skip_script_text = false;
};

// Parses UTF-8 HTML (invalid sequences are tolerated); broken markup is repaired
// the HTML5 way. Fails (Errc::kTooLarge) on input over max_bytes or nested so
// deep that tree construction would take unbounded time (thousands of levels),
// and (Errc::kInternal) if the parser cannot be set up.
[[nodiscard]] Result<Document> parse(std::string_view utf8, const ParseOptions& options = {});

}  // namespace nw::html
