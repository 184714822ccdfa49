#include "daemon/alerts_atom.h"

#include <httplib.h>

#include <cctype>
#include <cstdint>
#include <cstdio>
#include <pugixml.hpp>
#include <sstream>

namespace nw {
namespace {

// XML 1.0 allows tab, newline, carriage return and U+0020 and above, except
// the surrogates and U+FFFE/U+FFFF; the rest (C0 controls a hostile title may
// carry) are dropped. The input is UTF-8 (the alert's JSON).
std::string xml_text(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') continue;
    // U+FFFE and U+FFFF are EF BF BE / EF BF BF.
    if (c == 0xEF && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0xBF &&
        (static_cast<unsigned char>(s[i + 2]) & 0xFE) == 0xBE) {
      i += 2;
      continue;
    }
    out += static_cast<char>(c);
  }
  return out;
}

bool web_link(std::string_view url) {
  auto lower_starts = [&](std::string_view prefix) {
    if (url.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i) {
      if (std::tolower(static_cast<unsigned char>(url[i])) != prefix[i]) return false;
    }
    return true;
  };
  return lower_starts("http://") || lower_starts("https://");
}

void text_element(pugi::xml_node parent, const char* name, std::string_view text) {
  parent.append_child(name).text().set(xml_text(text).c_str());
}

void category(pugi::xml_node entry, const char* scheme, const std::string& term) {
  pugi::xml_node c = entry.append_child("category");
  c.append_attribute("term") = xml_text(term).c_str();
  c.append_attribute("scheme") = scheme;
}

std::string summary_of(const Alert& a) {
  std::string words;
  for (const std::string& m : a.matched) words += (words.empty() ? "" : ", ") + m;
  return "[" + words + "] " + a.snippet;
}

}  // namespace

std::string alerts_atom(std::span<const Alert> alerts, const AlertsFeedQuery& query) {
  pugi::xml_document doc;
  pugi::xml_node decl = doc.append_child(pugi::node_declaration);
  decl.append_attribute("version") = "1.0";
  decl.append_attribute("encoding") = "utf-8";
  pugi::xml_node feed = doc.append_child("feed");
  feed.append_attribute("xmlns") = "http://www.w3.org/2005/Atom";
  std::string what = query.topic.empty() ? "all topics" : query.topic;
  if (!query.severity.empty()) what += ", severity " + query.severity;
  text_element(feed, "id",
               "urn:newswatch:alerts:" + query.topic +
                   (query.severity.empty() ? "" : "?severity=" + query.severity));
  text_element(feed, "title", "newswatch alerts: " + what);
  // The newest alert's time, so that the same alerts give the same bytes (and ETag).
  text_element(feed, "updated",
               format_utc(alerts.empty() ? std::chrono::sys_seconds{} : alerts.front().fetched));
  text_element(feed.append_child("author"), "name", "newswatch");
  text_element(feed, "generator", "newswatch");
  if (web_link(query.self)) {
    pugi::xml_node self = feed.append_child("link");
    self.append_attribute("rel") = "self";
    self.append_attribute("type") = "application/atom+xml";
    self.append_attribute("href") = xml_text(query.self).c_str();
  }
  for (const Alert& a : alerts) {
    pugi::xml_node entry = feed.append_child("entry");
    text_element(entry, "id", "urn:newswatch:alert:" + a.id);
    text_element(entry, "title", a.title.empty() ? a.url : a.title);
    if (web_link(a.url)) {
      pugi::xml_node link = entry.append_child("link");
      link.append_attribute("rel") = "alternate";
      link.append_attribute("href") = xml_text(a.url).c_str();
    }
    text_element(entry, "updated", format_utc(a.fetched));
    if (a.published) text_element(entry, "published", format_utc(*a.published));
    text_element(entry.append_child("author"), "name", a.source);
    text_element(entry, "summary", summary_of(a));
    category(entry, "urn:newswatch:watchlist", a.watchlist);
    category(entry, "urn:newswatch:rule", a.topic());
    for (const std::string& tag : a.tags) category(entry, "urn:newswatch:tag", tag);
    if (!a.severity.empty()) category(entry, "urn:newswatch:severity", a.severity);
  }
  std::ostringstream out;
  doc.save(out, "  ", pugi::format_default, pugi::encoding_utf8);
  return out.str();
}

std::string atom_etag(std::string_view body) {
  std::uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a, 64 bits
  for (const char c : body) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  char buf[24];
  std::snprintf(buf, sizeof buf, "\"%016llx\"", static_cast<unsigned long long>(h));
  return buf;
}

AlertsFeed::Response AlertsFeed::get(const AlertsFeedQuery& query, std::string_view if_none_match) {
  // A severity filter pages back through the topic's alerts, a bounded number
  // of them, until the feed is full.
  constexpr std::size_t kPage = 200;
  constexpr std::size_t kMaxScanned = 20'000;
  std::vector<Alert> alerts;
  {
    std::lock_guard lock(mutex_);
    std::uint64_t before = UINT64_MAX;
    for (std::size_t scanned = 0; alerts.size() < kAlertsFeedSize && scanned < kMaxScanned;) {
      auto page = store_->latest_alerts(before, query.topic, kPage);
      if (!page) return {.status = 500, .body = page.error().message + "\n"};
      for (const RecordedAlert& r : *page) {
        before = r.seq;
        auto a = alert_from_json(r.json);
        if (!a || (!query.severity.empty() && a->severity != query.severity)) continue;
        alerts.push_back(std::move(*a));
        if (alerts.size() == kAlertsFeedSize) break;
      }
      scanned += page->size();
      if (page->size() < kPage) break;
    }
  }
  Response r{.body = alerts_atom(alerts, query)};
  r.etag = atom_etag(r.body);
  // If-None-Match may list several tags, or be "*".
  if (if_none_match == "*" ||
      (!if_none_match.empty() && if_none_match.find(r.etag) != std::string_view::npos)) {
    r.status = 304;
    r.body.clear();
  }
  return r;
}

void AlertsFeed::install(httplib::Server& server) {
  server.Get("/alerts.atom", [this](const httplib::Request& req, httplib::Response& res) {
    // The self link names the address the reader used (escaped as XML text).
    const std::string host = req.get_header_value("Host");
    const AlertsFeedQuery query{.topic = req.get_param_value("topic"),
                                .severity = req.get_param_value("severity"),
                                .self = host.empty() ? "" : "http://" + host + req.target};
    const Response r = get(query, req.get_header_value("If-None-Match"));
    res.status = r.status;
    res.set_header("X-Content-Type-Options", "nosniff");
    if (r.status == 500) {
      res.set_content(r.body, "text/plain");
      return;
    }
    res.set_header("ETag", r.etag);
    res.set_header("Cache-Control", "no-cache");
    if (r.status == 200) res.set_content(r.body, "application/atom+xml; charset=utf-8");
  });
}

}  // namespace nw
