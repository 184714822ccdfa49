// The analyst pages' Mustache templates and style sheet (daemon/web_pages.h),
// compiled into the binary: nothing is read from disk at run time.
#pragma once

#include <string_view>

namespace nw::web_assets {

extern const std::string_view kAlertsPage;   // the start page: filters and the alerts
extern const std::string_view kStoryPage;    // one story's alerts
extern const std::string_view kSourcesPage;  // /sources: each source's health
extern const std::string_view kRulesPage;    // /rules: each watchlist's rules
extern const std::string_view kHealthPage;   // /health: the first figures to look at
extern const std::string_view kMessage;      // a heading and a line: not found, errors
extern const std::string_view kAlertList;    // partial {{> alert_list}}: the alerts as <li>
extern const std::string_view kHead;         // partial {{> head}}: <head> and the top bar
extern const std::string_view kCss;          // /static/newswatch.css
extern const std::string_view kAppJs;        // /app.js: live updates (web_events.h), the try box
extern const std::string_view kFavicon;      // /favicon.svg and /favicon.ico (an SVG)

}  // namespace nw::web_assets
