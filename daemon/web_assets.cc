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
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
</head>
<body>
<header class="top"><a class="home" href="/">newswatch</a>
<nav class="nav" id="nav"><a href="/"{{#nav_alerts}} aria-current="page"{{/nav_alerts}}>Alerts</a>
<a href="/sources"{{#nav_sources}} aria-current="page"{{/nav_sources}}>Sources</a>
<a href="/rules"{{#nav_rules}} aria-current="page"{{/nav_rules}}>Rules</a>
<a href="/health"{{#nav_health}} aria-current="page"{{/nav_health}}>Health</a>
<a href="/metrics">Metrics</a></nav></header>
)";

const std::string_view kAlertList = R"({{#alerts}}
<li class="alert sev-{{severity_class}}{{#suppressed}} suppressed{{/suppressed}}" data-seq="{{seq}}">
<h2 dir="auto">{{#has_link}}<a href="{{url}}">{{title}}</a>{{/has_link}}{{^has_link}}{{title}} <span class="url" dir="auto">{{url}}</span>{{/has_link}}</h2>
<p class="meta"><a href="/?source={{source_q}}" dir="auto">{{source}}</a>
· <time datetime="{{fetched_utc}}" title="{{fetched_utc}}">{{ago}}</time>
{{#has_severity}}· <span class="severity">{{severity}}</span>{{/has_severity}}
{{#has_topic}}· <a href="/?watchlist={{watchlist_q}}" dir="auto">{{watchlist}}</a>/<a href="/?watchlist={{watchlist_q}}&amp;rule={{rule_q}}" dir="auto">{{rule}}</a>{{/has_topic}}
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
<p id="live-status" class="live-status" role="status" hidden></p>
<ol class="alerts" id="alerts" data-live="{{live}}" data-after="{{last_seq}}">{{> alert_list}}</ol>
{{#more}}<p class="more"><a href="/?{{older_q}}">Older alerts</a></p>{{/more}}
</main>
<script src="/app.js"></script>
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

const std::string_view kSourcesPage = R"({{> head}}<main>
<h1>Sources</h1>
<p class="count">{{total}} sources: {{ok}} ok, {{failing}} failing, {{waiting}} not polled yet; {{items}} items; {{alerts}} alerts kept. <a href="/api/sources">JSON</a></p>
<table class="grid" id="sources">
<thead><tr><th>source</th><th>last success</th><th>failures</th><th>next poll</th><th>polls, 24 h</th><th>items</th><th>alerts</th><th>last error</th></tr></thead>
<tbody>
{{#sources}}<tr class="source {{state}}" data-source="{{id}}">
<td><a href="/?source={{id_q}}" dir="auto">{{id}}</a><br><span class="url" dir="auto">{{url}}</span></td>
<td>{{#last_success_utc}}<time datetime="{{last_success_utc}}" title="{{last_success_utc}}">{{last_success}}</time>{{/last_success_utc}}{{^last_success_utc}}{{last_success}}{{/last_success_utc}}</td>
<td class="num">{{failures}}</td><td>{{next_poll}}</td>
<td>{{#polls}}<svg class="polls" viewBox="0 0 96 20" width="96" height="20" role="img" aria-label="{{polls_label}}"><title>{{polls_label}}</title>{{#bars}}<g><title>{{label}}</title><rect class="ok" x="{{x}}" y="{{ok_y}}" width="3" height="{{ok_h}}"/><rect class="failed" x="{{x}}" y="{{failed_y}}" width="3" height="{{failed_h}}"/></g>{{/bars}}</svg>{{/polls}}</td>
<td class="num">{{items}}</td><td class="num">{{alerts}}</td>
<td class="error" dir="auto">{{error}}{{#robots}} (robots.txt: {{robots}} matched on feed text){{/robots}}</td>
</tr>
{{/sources}}</tbody>
</table>
</main>
</body>
</html>
)";

const std::string_view kRulesPage = R"({{> head}}<main>
<h1>Rules</h1>
<p class="count">{{count}} rules in {{lists}} watchlists.{{#paged}} Showing {{first}}–{{last}} of {{matched}}{{#watchlist}} in <span dir="auto">{{watchlist}}</span> (<a href="/rules">all</a>){{/watchlist}}.{{/paged}} <a href="/api/rules{{api_q}}">JSON</a></p>
<section class="try" id="try">
<h2>Try a query</h2>
<form class="try-form" id="try-form" method="post" action="/rules/try">
<label for="try-query">query, as a rule's <code>query</code></label>
<textarea id="try-query" name="query" rows="3" dir="auto" required>{{t_query}}</textarea>
<p class="try-options"><label>over the articles kept in the last <select name="since">{{#t_since}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{value}}</option>{{/t_since}}</select></label>
<label><input type="checkbox" name="exact" value="1"{{#t_exact}} checked{{/t_exact}}> exact</label>
<label><input type="checkbox" name="fold_accents" value="1"{{#t_fold}} checked{{/t_fold}}> fold_accents</label>
<button type="submit" id="try-run">Try</button>
<button type="submit" id="try-cancel" formaction="/rules/try/cancel" formnovalidate>Cancel</button></p>
</form>
<div id="try-results" class="try-results" role="status">
{{#t_error}}<pre class="try-error">{{t_error}}</pre>{{/t_error}}
{{#t_note}}<p class="note try-note">{{t_note}}</p>{{/t_note}}
{{#t_warnings}}<pre class="warning">{{.}}</pre>{{/t_warnings}}
{{#t_ran}}<p class="count" id="try-summary">{{t_summary}}</p>
{{#t_stopped}}<p class="try-stopped">{{t_stopped}}</p>{{/t_stopped}}
{{#t_none_kept}}<p class="note">No article is kept in that time: backtests read the articles <code>[daemon] keep_articles</code> keeps.</p>{{/t_none_kept}}
<ol class="alerts try-hits" id="try-hits">{{> alert_list}}</ol>{{/t_ran}}
</div>
</section>
{{#watchlists}}<section class="watchlist" data-watchlist="{{name}}">
<h2 dir="auto"><a href="/?watchlist={{name_q}}">{{name}}</a> <span class="url">{{file}}</span> <a class="url" href="/rules?watchlist={{name_q}}">its rules</a></h2>
<table class="grid rules">
<thead><tr><th>rule</th><th>query</th><th>options</th><th>24 h</th><th>7 days</th></tr></thead>
<tbody>
{{#rules}}<tr class="rule{{#has_warnings}} warned{{/has_warnings}}" data-rule="{{id}}">
<td><a href="/?watchlist={{watchlist_q}}&amp;rule={{id_q}}" dir="auto">{{id}}</a></td>
<td><code class="query" dir="auto">{{query}}</code>{{#warnings}}<pre class="warning">{{.}}</pre>{{/warnings}}</td>
<td class="options">{{#options}}<span class="option">{{.}}</span> {{/options}}</td>
<td class="num">{{day}}</td><td class="num">{{week}}</td>
</tr>
{{/rules}}</tbody>
</table>
</section>
{{/watchlists}}
{{#next_q}}<p class="more"><a href="/rules?{{next_q}}">Next {{page_size}} rules</a></p>{{/next_q}}
</main>
<script src="/app.js"></script>
</body>
</html>
)";

const std::string_view kHealthPage = R"({{> head}}<main>
<h1>Health</h1>
<dl class="health" id="health">
<dt>sources failing</dt><dd id="health-failing" class="{{#any_failing}}bad{{/any_failing}}">{{failing}} of {{total}}{{#failing_ids}} <a href="/sources">{{.}}</a>{{/failing_ids}}</dd>
<dt>not polled yet</dt><dd id="health-waiting">{{waiting}}</dd>
<dt>last alert</dt><dd id="health-last-alert">{{#last}}<time datetime="{{utc}}" title="{{utc}}">{{ago}}</time> #{{seq}} <span dir="auto">{{topic}}</span>: <span dir="auto">{{title}}</span>{{/last}}{{^last}}none yet{{/last}}</dd>
<dt>pending items</dt><dd id="health-pending">{{pending}}</dd>
<dt>alerts kept</dt><dd id="health-alerts">{{alerts}} (last seq {{last_seq}})</dd>
<dt>memory</dt><dd id="health-memory">{{memory}}</dd>
<dt>live streams</dt><dd id="health-streams">{{streams}}</dd>
</dl>
<p>For Prometheus: <a href="/metrics">/metrics</a>; for a load balancer: <a href="/healthz">/healthz</a>.</p>
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
.grid { border-collapse: collapse; width: 100%; font-size: .9rem; margin-bottom: 1rem; }
.grid th, .grid td { text-align: start; vertical-align: top; padding: .3rem .4rem; border-bottom: 1px solid var(--line); }
.grid .num { text-align: end; font-variant-numeric: tabular-nums; }
.grid .url { color: var(--dim); font-size: .8rem; overflow-wrap: anywhere; }
.polls { background: var(--line); vertical-align: middle; }
.polls .ok { fill: #2a7d4f; }
.polls .failed { fill: #c0392b; }
.source.failing .error, .health .bad { color: #c0392b; }
.warning { color: #b9770e; white-space: pre-wrap; margin: .2rem 0 0; font-size: .8rem; }
.option { color: var(--dim); }
.health dt { color: var(--dim); font-size: .85rem; }
.health dd { margin: 0 0 .6rem; }
.nav { display: inline-flex; flex-wrap: wrap; gap: .2rem .9rem; margin-inline-start: 1rem; }
.nav a { text-decoration: none; color: var(--dim); }
.nav a[aria-current] { color: var(--fg); font-weight: 600; }
.live-status { background: #c0392b; color: #fff; padding: .3rem .6rem; border-radius: .2rem; }
.alert.fresh { animation: fresh 2s ease-out; }
.try { border: 1px solid var(--line); border-radius: .3rem; padding: .2rem .8rem .6rem; margin-bottom: 1.2rem; }
.try h2 { font-size: 1rem; }
.try-form label { font-size: .85rem; color: var(--dim); }
.try-form textarea { display: block; width: 100%; box-sizing: border-box; font: .9rem ui-monospace, monospace; }
.try-options { display: flex; flex-wrap: wrap; gap: .4rem 1rem; align-items: center; }
.try-error { color: #c0392b; white-space: pre-wrap; }
.try-stopped { color: #b9770e; }
@keyframes fresh { from { background: var(--mark); } to { background: transparent; } }
)";

// Plain JavaScript, no inline script anywhere (the CSP allows only 'self').
// Without it the pages work the same, minus live updates.
const std::string_view kAppJs =
    R"JS(// newswatch live alerts: subscribes to /events and puts each new alert at
// the top of the list #alerts, when the page shows the newest alerts with no
// filter (data-live="1"); shows #live-status while the daemon is unreachable.
// Text goes in through textContent only: nothing from a news site is markup.
(function () {
  "use strict";
  var list = document.getElementById("alerts");
  var banner = document.getElementById("live-status");
  if (!list || list.getAttribute("data-live") !== "1" || !window.EventSource) return;
  var after = list.getAttribute("data-after") || "0";
  var bidi = new RegExp("[\\u202A-\\u202E\\u2066-\\u2069]", "g");  // as the server drops them
  function clean(s) { return String(s == null ? "" : s).replace(bidi, ""); }
  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    for (var k in attrs) if (attrs[k] !== undefined) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = clean(text);
    return e;
  }
  function link(href, text) { return el("a", { href: href, dir: "auto" }, text); }
  function q(s) { return encodeURIComponent(s); }
  function sevClass(s) { return (String(s || "").toLowerCase().replace(/[^a-z0-9-]/g, "") || "none"); }
  function render(a) {
    var li = el("li", { "class": "alert fresh sev-" + sevClass(a.severity), "data-seq": String(a.seq) });
    var h2 = el("h2", { dir: "auto" });
    var title = a.title || a.url;
    if (/^https?:\/\//i.test(a.url || "")) {
      h2.appendChild(el("a", { href: a.url }, title));
    } else {
      h2.appendChild(document.createTextNode(clean(title) + " "));
      h2.appendChild(el("span", { "class": "url", dir: "auto" }, a.url));
    }
    li.appendChild(h2);
    var meta = el("p", { "class": "meta" });
    function dot() { meta.appendChild(document.createTextNode(" · ")); }
    meta.appendChild(link("/?source=" + q(a.source), a.source));
    dot();
    meta.appendChild(el("time", { datetime: a.fetched, title: a.fetched }, "just now"));
    if (a.severity) { dot(); meta.appendChild(el("span", { "class": "severity" }, a.severity)); }
    dot();
    meta.appendChild(link("/?watchlist=" + q(a.watchlist), a.watchlist));
    meta.appendChild(document.createTextNode("/"));
    meta.appendChild(link("/?watchlist=" + q(a.watchlist) + "&rule=" + q(a.rule), a.rule));
    (a.tags || []).forEach(function (t) {
      meta.appendChild(document.createTextNode(" "));
      var tag = link("/?tag=" + q(t), "#" + t);
      tag.className = "tag";
      meta.appendChild(tag);
    });
    if (a.story) {
      dot();
      var n = (a.story_sources || 0) - 1;
      var s = el("a", { "class": "story", href: "/story/" + q(a.story) }, n > 0 ? "+" + n + (n === 1 ? " outlet" : " outlets") : "story");
      meta.appendChild(s);
    }
    li.appendChild(meta);
    li.appendChild(el("p", { "class": "snippet", dir: "auto" }, a.snippet));
    return li;
  }
  var source = null;
  function connect() {
    source = new EventSource("/events?after=" + encodeURIComponent(after));
    source.onopen = function () { banner.hidden = true; };
    source.addEventListener("alert", function (e) {
      after = e.lastEventId || after;
      var a;
      try { a = JSON.parse(e.data); } catch (err) { return; }
      if (list.querySelector('li[data-seq="' + String(a.seq) + '"]')) return;
      list.insertBefore(render(a), list.firstChild);
      var empty = document.querySelector(".empty");
      if (empty) empty.hidden = true;
    });
    source.onerror = function () {
      banner.textContent = "daemon unreachable";
      banner.hidden = false;
      // The browser retries by itself unless the answer was no stream at all.
      if (source.readyState === EventSource.CLOSED) {
        source.close();
        setTimeout(connect, 5000);
      }
    };
  }
  connect();
})();

// The rules page's "try it" box (web_tryit.h): posts the form with fetch and
// puts the answer's #try-results in place of this page's; Cancel asks the
// daemon to stop, which then answers the hits so far. The answer is the
// server's own page, escaped by its templates; DOMParser parses it inert.
(function () {
  "use strict";
  var form = document.getElementById("try-form");
  var results = document.getElementById("try-results");
  if (!form || !results || !window.fetch || !window.DOMParser) return;
  var run = document.getElementById("try-run");
  var cancel = document.getElementById("try-cancel");
  var pending = null;  // the AbortController of the backtest running
  cancel.hidden = true;
  function post(path, body, signal) {
    return fetch(path, { method: "POST", body: body, signal: signal, credentials: "same-origin",
                         headers: { "Content-Type": "application/x-www-form-urlencoded" } });
  }
  function show(html) {
    var got = new DOMParser().parseFromString(html, "text/html").getElementById("try-results");
    if (!got) { results.textContent = "no answer from the daemon"; return; }
    results.replaceChildren.apply(results, Array.prototype.map.call(got.childNodes, function (n) {
      return document.importNode(n, true);
    }));
  }
  function idle() { pending = null; run.disabled = false; cancel.hidden = true; }
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    if (pending) return;
    pending = new AbortController();
    run.disabled = true;
    cancel.hidden = false;
    results.replaceChildren();
    results.setAttribute("aria-busy", "true");
    var p = document.createElement("p");
    p.className = "note";
    p.textContent = "Running\u2026";
    results.appendChild(p);
    post("/rules/try", new URLSearchParams(new FormData(form)), pending.signal)
      .then(function (r) { return r.text(); })
      .then(show, function (err) {
        results.textContent = err.name === "AbortError" ? "cancelled" : "the daemon did not answer";
      })
      .then(function () { results.removeAttribute("aria-busy"); idle(); });
  });
  cancel.addEventListener("click", function (e) {
    e.preventDefault();
    var mine = pending;
    if (!mine) return;
    // The daemon stops the run and the Try request answers; should it not, give up on it.
    post("/api/backtest/cancel", "").then(function (r) { return r.json(); })
      .then(function (j) { if (!j.cancelled) mine.abort(); }, function () { mine.abort(); });
  });
})();
)JS";

// A dark square with a white "n": the browser tab's icon (also answered at
// /favicon.ico, which browsers ask for whatever the page links).
const std::string_view kFavicon =
    R"(<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16">)"
    R"(<rect width="16" height="16" rx="3" fill="#1d3557"/>)"
    R"(<path d="M4 12V5h2v1c.6-.8 1.4-1.2 2.4-1.2C10.1 4.8 12 5.6 12 8v4h-2V8.3c0-1-.6-1.5-1.5-1.5S6 7.4 6 8.6V12z" fill="#fff"/>)"
    R"(</svg>)";

}  // namespace nw::web_assets
