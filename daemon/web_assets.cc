#include "daemon/web_assets.h"

namespace nw::web_assets {

// `{{x}}` HTML-escapes; the templates never use `{{{x}}}`. Every text element
// that can hold news text has dir="auto", so Arabic reads right to left.
const std::string_view kHead = R"(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{page_title}} · newswatch</title>
<link rel="stylesheet" href="/static/newswatch.css">
</head>
<body>
<header class="top"><a class="home" href="/">newswatch</a> <span class="sub">alerts</span></header>
)";

const std::string_view kAlertList = R"({{#alerts}}
<li class="alert sev-{{severity_class}}{{#suppressed}} suppressed{{/suppressed}}">
<h2 dir="auto">{{#has_link}}<a href="{{url}}">{{title}}</a>{{/has_link}}{{^has_link}}{{title}} <span class="url" dir="auto">{{url}}</span>{{/has_link}}</h2>
<p class="meta"><a href="/?source={{source_q}}" dir="auto">{{source}}</a>
· <time datetime="{{fetched_utc}}" title="{{fetched_utc}}">{{ago}}</time>
{{#has_severity}}· <span class="severity">{{severity}}</span>{{/has_severity}}
· <a href="/?watchlist={{watchlist_q}}" dir="auto">{{watchlist}}</a>/<a href="/?watchlist={{watchlist_q}}&amp;rule={{rule_q}}" dir="auto">{{rule}}</a>
{{#tags}}<a class="tag" href="/?tag={{tag_q}}" dir="auto">#{{tag}}</a> {{/tags}}
{{#has_story}}· <a class="story" href="/story/{{story_q}}">{{story_label}}</a>{{/has_story}}
{{#suppressed}}· <span class="note">suppressed (once per story)</span>{{/suppressed}}</p>
<p class="snippet" dir="auto">{{#snippet}}{{#mark}}<mark>{{text}}</mark>{{/mark}}{{^mark}}{{text}}{{/mark}}{{/snippet}}</p>
</li>
{{/alerts}})";

const std::string_view kAlertsPage = R"({{> head}}<main>
<form class="filters" method="get" action="/">
<label>watchlist <input name="watchlist" value="{{f_watchlist}}" dir="auto"></label>
<label>rule <input name="rule" value="{{f_rule}}" dir="auto"></label>
<label>severity <input name="severity" value="{{f_severity}}" dir="auto"></label>
<label>source <input name="source" value="{{f_source}}" dir="auto"></label>
<label>tag <input name="tag" value="{{f_tag}}" dir="auto"></label>
<label>text <input name="text" value="{{f_text}}" dir="auto"></label>
<button type="submit">Filter</button> <a href="/">clear</a>
</form>
{{#empty}}<p class="empty">No alerts{{#filtered}} match these filters{{/filtered}}.</p>{{/empty}}
<ol class="alerts">{{> alert_list}}</ol>
{{#more}}<p class="more"><a href="/?{{older_q}}">Older alerts</a></p>{{/more}}
</main>
</body>
</html>
)";

const std::string_view kStoryPage = R"({{> head}}<main>
<h1>Story <code>{{story}}</code></h1>
<p class="count">{{count}} alert{{^one}}s{{/one}}, oldest first.</p>
<ol class="alerts">{{> alert_list}}</ol>
</main>
</body>
</html>
)";

const std::string_view kMessage = R"({{> head}}<main>
<h1>{{heading}}</h1>
<p dir="auto">{{text}}</p>
</main>
</body>
</html>
)";

const std::string_view kCss =
    R"(:root { color-scheme: light dark; --fg: #1b1b1b; --bg: #fff; --dim: #666; --line: #ddd; --mark: #ffe58a; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6e6e6; --bg: #161616; --dim: #9a9a9a; --line: #333; --mark: #6b5a00; } }
body { margin: 0; font: 15px/1.45 system-ui, "Noto Sans", "Noto Naskh Arabic", sans-serif; color: var(--fg); background: var(--bg); }
a { color: inherit; }
.top { padding: .5rem 1rem; border-bottom: 1px solid var(--line); }
.top .home { font-weight: 600; text-decoration: none; }
.top .sub { color: var(--dim); }
main { max-width: 60rem; margin: 0 auto; padding: 1rem; }
.filters { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: end; margin-bottom: 1rem; }
.filters label { display: flex; flex-direction: column; font-size: .8rem; color: var(--dim); }
.filters input { font: inherit; width: 9rem; }
.alerts { list-style: none; padding: 0; margin: 0; }
.alert { border-bottom: 1px solid var(--line); padding: .6rem 0; }
.alert h2 { font-size: 1.05rem; margin: 0 0 .2rem; unicode-bidi: plaintext; }
.alert .url { color: var(--dim); font-size: .8rem; font-weight: normal; }
.meta { margin: 0; font-size: .85rem; color: var(--dim); }
.meta a { text-decoration: none; }
.meta a:hover { text-decoration: underline; }
.tag { margin-inline-start: .3rem; }
.severity { font-weight: 600; }
.sev-high .severity, .sev-critical .severity { color: #c0392b; }
.sev-medium .severity { color: #b9770e; }
.snippet { margin: .3rem 0 0; unicode-bidi: plaintext; }
mark { background: var(--mark); color: inherit; padding: 0 .1em; }
.suppressed { opacity: .65; }
.empty, .count, .more { color: var(--dim); }
)";

}  // namespace nw::web_assets
