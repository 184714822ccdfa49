// Text helpers for feed parsing: the text an element carries, plain-text titles
// from escaped HTML, inline XHTML serialized back to HTML, base64 (Atom 0.3).
// Internal to nw_feeds. Pure functions, safe from any thread.
#pragma once

#include <pugixml.hpp>
#include <string>
#include <string_view>

namespace nw {

// Plain text for a title: with `html`, tags are dropped (block tags become a
// space); character references are decoded either way, once, which also
// undoes the double escaping ("&amp;amp;") common in RSS titles. Whitespace
// (and NBSP) runs become one space; the result is trimmed.
std::string plain_text(std::string_view text, bool html);

// `html` without what a reader never sees as text: comments, CDATA markers,
// script, style, frameset, noscript, noembed and noframes elements with their
// content, meta, link and frame tags; the tags of object, iframe, embed, applet
// and param, whose content is the fallback text shown without the plug-in and
// stays. Everything else stays as written.
std::string drop_hidden_html(std::string html);

// Appends the children of `node` as HTML: prefixes and xmlns attributes
// dropped, text escaped, void elements without end tags. Nesting deeper than
// a few hundred levels is flattened to its text. `base` is the base URL in
// effect inside `node` (its own xml:base applied): relative links (href,
// src...) are resolved against it and against each xml:base met inside, which
// is then dropped. An empty `base` leaves links as written.
void serialize_html_children(pugi::xml_node node, std::string& out, std::string_view base = {});

// `html` with the relative URLs in its URL attributes (href, src, poster...)
// resolved against `base`, as feed readers do for xml:base. Absolute URLs and
// other schemes (mailto:, data:) stay as written; so does everything when
// `base` is empty. Attribute values are read and written entity-escaped.
std::string resolve_html_urls(std::string html, std::string_view base);

// Whether `v` starts with an RFC 3986 scheme ("https:", "mailto:", "tag:").
bool has_url_scheme(std::string_view v);

// At most `max_bytes` of `text`, cut at a character boundary (for messages).
std::string utf8_prefix(std::string_view text, size_t max_bytes);

// Standard base64, whitespace ignored; stops at the first invalid character.
std::string decode_base64(std::string_view text);

struct Scope;  // feeds/xml_scope.h

// The element's text as given: its character data (several text and CDATA
// pieces joined), or, when it holds markup that should have been escaped
// (<description><p>..</p></description>), that markup serialized as HTML
// (`base` as for serialize_html_children).
std::string element_text(pugi::xml_node node, std::string_view base = {});

// An Atom text construct (title, summary, content; Atom 0.3's MIME types and
// modes too), trimmed; empty for out-of-line content (src=). Sets `is_html`
// for html and xhtml.
std::string atom_text(pugi::xml_node node, const Scope& scope, bool& is_html);

// RSS <author> is "email (Name)" by the spec, "Name <email>" or just a name in
// practice. Returns "Name (email)", "Name" or "email".
std::string rss_author(std::string_view raw);

}  // namespace nw
