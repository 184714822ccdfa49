#include "feeds/json_feed.h"

#include <cctype>
#include <nlohmann/json.hpp>
#include <string>

#include "feeds/date.h"
#include "feeds/feed_text.h"
#include "feeds/text.h"
#include "feeds/url.h"
#include "feeds/xml_repair.h"

namespace nw {
namespace {

using Json = nlohmann::json;

// Records where a syntax error is; parse_error returning false stops the
// parser without throwing.
struct ErrorLocator : nlohmann::json_sax<Json> {
  size_t position = 0;
  std::string message;

  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override { return true; }
  bool key(string_t&) override { return true; }
  bool end_object() override { return true; }
  bool start_array(std::size_t) override { return true; }
  bool end_array() override { return true; }
  bool parse_error(std::size_t pos, const std::string& last_token,
                   const nlohmann::detail::exception&) override {
    position = pos;
    message = "syntax error near '" + utf8_prefix(last_token, 32) + "'";
    return false;
  }
};

Error error_at(std::string_view text, size_t offset, std::string_view what) {
  const auto [line, column] = line_and_column(text, offset);
  return Error{Errc::kParse, "JSON feed, line " + std::to_string(line) + ", column " +
                                 std::to_string(column) + ": " + std::string(what)};
}

// The string at `key`, or "" when absent or not a string. Numbers (ids in
// the wild) are written out.
std::string str(const Json& obj, const char* key) {
  const auto it = obj.find(key);
  if (it == obj.end()) return {};
  if (it->is_string()) return it->get_ref<const std::string&>();
  if (it->is_number()) return it->dump();
  return {};
}

std::optional<SysSeconds> date(const Json& obj, const char* key, Feed& feed) {
  const std::string text = str(obj, key);
  if (text.empty()) return std::nullopt;
  std::optional<SysSeconds> d = parse_date(text);
  if (!d && feed.warnings.size() < 20) {
    feed.warnings.push_back("unparsable date \"" + utf8_prefix(text, 64) + "\" in " + key);
  }
  return d;
}

std::string author_of(const Json& item) {
  const Json* a = nullptr;
  if (auto it = item.find("authors"); it != item.end() && it->is_array() && !it->empty()) {
    a = &(*it)[0];
  } else if (auto it1 = item.find("author"); it1 != item.end()) {
    a = &*it1;
  }
  if (a == nullptr || !a->is_object()) return {};
  std::string name = collapse_whitespace(str(*a, "name"));
  std::string url = str(*a, "url");
  std::string email = url.starts_with("mailto:") ? url.substr(7) : std::string();
  if (name.empty()) return email;
  return email.empty() ? name : name + " (" + email + ")";
}

}  // namespace

Result<Feed> parse_json_feed(std::string_view text, std::string_view url, Feed feed) {
  Json doc = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    ErrorLocator locator;
    Json::sax_parse(text, &locator);
    return std::unexpected(error_at(text, locator.position > 0 ? locator.position - 1 : 0,
                                    locator.message.empty() ? "invalid JSON" : locator.message));
  }
  const std::string version = doc.is_object() ? str(doc, "version") : std::string();
  const auto items = doc.is_object() ? doc.find("items") : doc.end();
  if (!version.starts_with("https://jsonfeed.org/version/") &&
      (items == doc.end() || !items->is_array())) {
    return std::unexpected(
        error_at(text, 0, "JSON document is not a JSON Feed (no version, no items)"));
  }
  if (!version.starts_with("https://jsonfeed.org/version/")) {
    feed.warnings.push_back("JSON Feed without a jsonfeed.org version");
  }
  // Relative URLs in a JSON Feed are relative to the feed's own URL.
  const std::string feed_url = str(doc, "feed_url");
  const std::string base = !url.empty() ? std::string(url) : resolve_url(feed_url, "");
  feed.title = plain_text(str(doc, "title"), false);
  feed.link = resolve_url(base, str(doc, "home_page_url"));
  if (auto hubs = doc.find("hubs"); hubs != doc.end() && hubs->is_array()) {
    for (const Json& h : *hubs) {
      if (!h.is_object()) continue;
      const std::string type = lower_ascii(str(h, "type"));
      if (type != "websub" && type != "pubsubhubbub") continue;
      feed.hub = resolve_url(base, str(h, "url"));
      if (!feed.hub.empty()) break;
    }
  }
  if (items == doc.end() || !items->is_array()) return feed;
  feed.entries.reserve(items->size());
  for (const Json& item : *items) {
    if (!item.is_object()) {
      if (feed.warnings.size() < 20)
        feed.warnings.push_back("skipped a JSON Feed item that is not an object");
      continue;
    }
    FeedEntry& e = feed.entries.emplace_back();
    e.id = str(item, "id");
    e.title = plain_text(str(item, "title"), false);
    std::string link = str(item, "url");
    if (link.empty()) link = str(item, "external_url");
    if (!link.empty()) e.link = resolve_url(base, link);
    e.summary = str(item, "summary");
    e.content = resolve_html_urls(str(item, "content_html"), base);
    if (e.content.empty()) e.content = str(item, "content_text");
    e.published = date(item, "date_published", feed);
    e.updated = date(item, "date_modified", feed);
    e.author = author_of(item);
    if (e.author.empty()) e.author = author_of(doc);
    if (auto it = item.find("attachments"); it != item.end() && it->is_array()) {
      for (const Json& a : *it) {
        if (!a.is_object()) continue;
        std::string abs = resolve_url(base, str(a, "url"));
        if (abs.empty()) continue;
        e.enclosures.push_back({std::move(abs), str(a, "mime_type"), str(a, "size_in_bytes")});
      }
    }
  }
  return feed;
}

}  // namespace nw
