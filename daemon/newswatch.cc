// newswatch: command-line tools over the daemon's stages, one subcommand each:
//   extract     the main text of pages (files or URLs)
//   match       watchlist hits in pages or text files
//   parse-feed  a feed parsed to JSON
//   check-rules validate a watchlist file
//   subscribe   print the alerts of a running newswatchd, caught up with no gap
//   keygen      write a CURVE key pair for the daemon or a subscriber
//   alerts      print recorded alerts from the state database (catch up after a gap)
//   sources     print each configured source's health from the state database
//   status      the daemon at a glance: sources, totals, last alert
//   stories     the story id the daemon would give each page
//   backtest    what a rule would have caught in the articles the daemon kept
#include <signal.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <cmath>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <iterator>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "config/config.h"
#include "config/rule_checks.h"
#include "daemon/alert.h"
#include "daemon/backtest.h"
#include "daemon/curve.h"
#include "daemon/status.h"
#include "daemon/store.h"
#include "daemon/subscriber.h"
#include "feeds/charset.h"
#include "feeds/curl_fetcher.h"
#include "feeds/feed_parser.h"
#include "feeds/url.h"
#include "filters/matcher.h"
#include "filters/page_text.h"
#include "filters/story.h"

namespace nw {
namespace {

using json = nlohmann::json;

bool is_url(const std::string& s) { return s.starts_with("http://") || s.starts_with("https://"); }

struct Input {
  std::string bytes;
  std::string content_type;
  std::string url;  // where it came from, when fetched
};

Result<Input> read_input(const std::string& input, Fetcher* fetcher) {
  if (is_url(input)) {
    auto r = fetch_blocking(*fetcher, {.url = input});
    if (!r) return std::unexpected(r.error());
    if (r->status != 200)
      return fail(Errc::kNetwork, "GET " + input + ": HTTP " + std::to_string(r->status));
    return Input{std::move(r->body), std::move(r->content_type), std::move(r->url)};
  }
  std::ifstream in(input, std::ios::binary);
  if (!in) return fail(Errc::kIo, input + ": cannot open file");
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return fail(Errc::kIo, input + ": read error");
  return Input{std::move(bytes), "", ""};
}

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

// A UTC time as JSON, null when absent.
json time_json(const std::optional<std::chrono::sys_seconds>& t) {
  return t ? json(format_utc(*t)) : json(nullptr);
}

// An input that could not be read: a JSON line in the output stream, or a message on stderr.
void report_failure(std::string_view command, const std::string& input, const Error& error,
                    bool as_json) {
  if (as_json) {
    std::cout << dump({{"input", input}, {"error", error.message}}) << "\n";
  } else {
    std::cerr << "newswatch " << command << ": " << error.message << "\n";
  }
}

// What the matcher sees of an input: a page goes the daemon's way
// (filters/page_text.h); a .txt file is its first line (the title) and the rest.
PageText text_of(const std::string& input, const Input& in) {
  if (!is_url(input) && input.ends_with(".txt")) {
    const Decoded d = decode_to_utf8(in.bytes, in.content_type, DocType::kText);
    const auto nl = d.text.find('\n');
    if (nl == std::string::npos) return {.title = d.text};
    return {.title = d.text.substr(0, nl), .text = d.text.substr(nl + 1)};
  }
  return page_text({.bytes = in.bytes, .content_type = in.content_type, .url = in.url});
}

// Reads each input (a file or a URL) in turn and hands it to `each`; an input
// that cannot be read is reported as `command`'s failure and makes the status 1.
template <class Each>
int for_each_input(const char* command, const std::vector<std::string>& inputs, bool as_json,
                   Each each) {
  auto fetcher = make_curl_fetcher({});
  int status = 0;
  for (const auto& input : inputs) {
    auto in = read_input(input, fetcher.get());
    if (!in) {
      status = 1;
      report_failure(command, input, in.error(), as_json);
      continue;
    }
    each(input, *in);
  }
  return status;
}

int cmd_extract(const std::vector<std::string>& inputs, bool as_json, const std::string& base_url) {
  return for_each_input("extract", inputs, as_json, [&](const std::string& input, const Input& in) {
    const auto [a, encoding] = extract_page({.bytes = in.bytes,
                                             .content_type = in.content_type,
                                             .url = in.url.empty() ? base_url : in.url});
    if (as_json) {
      json j = {{"input", input},
                {"url", a.url.empty() ? json(nullptr) : json(a.url)},
                {"title", a.title},
                {"text", a.text},
                {"published", time_json(a.published)},
                {"author", a.author},
                {"language", a.language},
                {"image", a.image},
                {"encoding", encoding}};
      if (a.text.empty()) j["reason"] = a.reason;
      if (!a.fallback.empty()) j["fallback"] = a.fallback;
      std::cout << dump(j) << "\n";
    } else {
      std::cout << a.title << "\n\n" << a.text << "\n";
      if (a.text.empty() && !a.reason.empty()) std::cerr << input << ": " << a.reason << "\n";
    }
  });
}

// --lang: the language of inputs that declare none (.txt files, pages without
// one); --source: the source id of every input (for `sources` and `source:`).
struct MatchAs {
  std::string language;
  std::string source;
};

// The rules of `lists` plus those of `watchlist_files`, compiled, their
// warnings said on stderr (config/rule_checks.h); null after saying why not.
std::shared_ptr<const Matcher> compile_rules(std::vector<Watchlist> lists,
                                             const std::vector<std::string>& watchlist_files) {
  for (const auto& f : watchlist_files) {
    auto w = load_watchlist(f);
    if (!w) {
      std::cerr << w.error().message << "\n";
      return nullptr;
    }
    lists.push_back(std::move(*w));
  }
  auto matcher = Matcher::compile(lists);
  if (!matcher) {
    std::cerr << matcher.error().message << "\n";
    return nullptr;
  }
  for (const std::string& w : rule_warnings(lists)) std::cerr << w << "\n";
  return std::move(*matcher);
}

int cmd_match(const std::vector<std::string>& watchlist_files,
              const std::vector<std::string>& inputs, bool as_json, const MatchAs& as) {
  const auto matcher = compile_rules({}, watchlist_files);
  if (!matcher) return 2;
  return for_each_input("match", inputs, as_json, [&](const std::string& input, const Input& in) {
    const PageText page = text_of(input, in);
    const Document doc{.title = page.title,
                       .body = page.text,
                       .source = as.source,
                       .language = page.language.empty() ? as.language : page.language};
    for (const Hit& hit : matcher->match(doc)) {
      if (as_json) {
        json spans = json::array();
        for (const auto& s : hit.spans) {
          spans.push_back({{"field", s.field == MatchSpan::Field::kTitle ? "title" : "body"},
                           {"begin", s.begin},
                           {"end", s.end}});
        }
        std::cout << dump({{"input", input},
                           {"watchlist", hit.watchlist},
                           {"rule", hit.rule},
                           {"matched", hit.matched},
                           {"spans", spans},
                           {"snippet", hit.snippet}})
                  << "\n";
      } else {
        std::string words;
        for (const auto& m : hit.matched) words += (words.empty() ? "" : ", ") + m;
        std::cout << input << ": " << hit.watchlist << "/" << hit.rule << " [" << words << "] "
                  << hit.snippet << "\n";
      }
    }
  });
}

int cmd_parse_feed(const std::string& file, const std::string& url,
                   const std::string& content_type) {
  auto in = read_input(file, nullptr);
  if (!in) {
    std::cerr << "newswatch parse-feed: " << in.error().message << "\n";
    return 1;
  }
  auto feed = parse_feed(in->bytes, {.url = url, .content_type = content_type});
  if (!feed) {
    std::cerr << file << ": " << feed.error().message << "\n";
    return 1;
  }
  // A recovered ("bozo") feed still prints and exits 0; the reason goes to stderr.
  if (!feed->bozo.empty())
    std::cerr << file << ": recovered from ill-formed XML: " << feed->bozo << "\n";
  std::cout << feed_to_json(*feed) << "\n";
  return 0;
}

int cmd_check_rules(const std::vector<std::string>& files) {
  std::vector<Watchlist> lists;
  std::string errors;
  for (const auto& f : files) {
    auto w = load_watchlist(f);
    if (!w) {
      errors += w.error().message + "\n";
      continue;
    }
    lists.push_back(std::move(*w));
  }
  if (errors.empty()) {
    auto m = Matcher::compile(lists);
    if (!m)
      errors = m.error().message + "\n";
    else
      std::cout << "OK: " << (*m)->rule_count() << " rules\n";
  }
  std::cerr << errors;
  // Rules that compile but most likely do not say what was meant: exit 0 all the same.
  for (const std::string& w : rule_warnings(lists)) std::cerr << w << "\n";
  return errors.empty() ? 0 : 1;
}

// The daemon's config and its state database, opened read-only, for the
// commands that read state. Safe while the daemon runs (SQLite WAL). Prints the error and
// returns nullopt when either cannot be opened.
struct State {
  Config config;
  std::unique_ptr<Store> store;
};
std::optional<State> open_state(const std::string& command, const std::string& config_path) {
  auto config = load_config(config_path);
  if (!config) {
    std::cerr << config.error().message << "\n";
    return std::nullopt;
  }
  auto store = open_sqlite_store(config->state_dir, OpenMode::kReadOnly);
  if (!store) {
    std::cerr << "newswatch " << command << ": " << store.error().message << "\n";
    return std::nullopt;
  }
  return State{std::move(*config), std::move(*store)};
}

// One readable line: time, severity, topic, seq, the story when the alert has
// one ("not published" for a copy once_per_story held back), title, url.
std::string alert_text(std::string_view json) {
  auto a = alert_from_json(json);
  if (!a) return std::string(json);
  std::string line = format_utc(a->fetched) + "  " + (a->severity.empty() ? "-" : a->severity) +
                     "  " + a->topic() + "  #" + std::to_string(a->seq) + "  ";
  if (!a->story.empty()) {
    line += "story " + a->story + " (" + std::to_string(a->story_size) + ")  ";
  }
  if (a->suppressed) line += "not published (once_per_story)  ";
  return line + a->title + "  " + a->url;
}

// Prints the alerts recorded after `since`, one JSON per line, in seq order:
// what a subscriber that was away missed. With `story`: every alert recorded
// for that story instead, the unpublished once_per_story copies included.
int cmd_alerts(const std::string& config_path, std::uint64_t since, std::size_t limit, bool text,
               const std::string& story) {
  auto state = open_state("alerts", config_path);
  if (!state) return 2;
  auto alerts = story.empty() ? state->store->alerts_since(since, "", limit)
                              : state->store->story_alerts(story, limit);
  if (!alerts) {
    std::cerr << "newswatch alerts: " << alerts.error().message << "\n";
    return 1;
  }
  for (const RecordedAlert& a : *alerts) std::cout << (text ? alert_text(a.json) : a.json) << "\n";
  return 0;
}

// Prints each configured source's health as last recorded by the daemon (which
// sources fail, since when, and why): a JSON line each, or a table. With
// `totals`, the totals and the last alert follow (`newswatch status`).
int cmd_sources(const std::string& command, const std::string& config_path, bool text,
                bool totals) {
  auto state = open_state(command, config_path);
  if (!state) return 2;
  auto report = read_status(state->config, *state->store);
  if (!report) {
    std::cerr << "newswatch " << command << ": " << report.error().message << "\n";
    return 1;
  }
  const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  if (text) {
    std::cout << status_text(*report, now, totals);
  } else if (totals) {
    std::cout << status_json(*report) << "\n";
  } else {
    for (const auto& s : report->sources) {
      const SourceState& h = s.state;
      std::cout << dump({{"id", s.id},
                         {"url", h.url.empty() ? s.url : h.url},
                         {"disabled", h.disabled},
                         {"consecutive_failures", h.consecutive_failures},
                         {"last_success", time_json(h.last_success)},
                         {"last_attempt", time_json(h.last_attempt)},
                         {"last_error", h.last_error.empty() ? json(nullptr) : json(h.last_error)},
                         {"next_poll", time_json(h.next_poll)},
                         {"items", s.counts.items},
                         {"alerts", s.counts.alerts}})
                << "\n";
    }
  }
  return 0;
}

// Prints, per input, the story the daemon would give it, as one JSON line:
// the inputs are grouped with one another in order and, with a config, with
// the articles the daemon recorded within its story_window. Writes nothing.
int cmd_stories(const std::vector<std::string>& inputs, const std::string& config_path) {
  StoryOptions options;
  std::optional<State> state;
  if (!config_path.empty()) {
    state = open_state("stories", config_path);
    if (!state) return 2;
    options.window = state->config.story_window;
  }
  StoryIndex index(options);
  const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  if (state) {
    auto stored = state->store->story_articles(now - options.window, options.max_articles);
    if (!stored) {
      std::cerr << "newswatch stories: " << stored.error().message << "\n";
      return 1;
    }
    for (const StoredStoryArticle& a : *stored) {
      if (auto sig = signature_from_bytes(a.signature))
        index.restore(a.article_key, a.story, *sig, a.seen, a.story_size);
    }
  }
  return for_each_input("stories", inputs, true, [&](const std::string& input, const Input& in) {
    // The daemon's article key: the canonical URL; a file stands for itself.
    const std::string key = is_url(input) ? canonical_url(in.url.empty() ? input : in.url) : input;
    const PageText page = text_of(input, in);
    const auto signature = story_signature(page.text);
    const StoryAssignment a = index.assign(key, signature, now);
    using ordered = nlohmann::ordered_json;
    const ordered line = {{"input", input},
                          {"story", a.story},
                          {"story_size", a.size},
                          {"like", a.like.empty() ? ordered(nullptr) : ordered(a.like)},
                          {"similarity", std::round(a.similarity * 100) / 100},
                          {"grouped", signature.has_value()}};
    std::cout << line.dump(-1, ' ', false, ordered::error_handler_t::replace) << "\n";
  });
}

// Runs a rule (or watchlist files) over the articles the daemon kept since
// `since` ago: a line per hit, then "searched N articles in X ms, H hits".
int cmd_backtest(const std::string& config_path, const std::string& query,
                 const std::vector<std::string>& watchlist_files, const std::string& since_text,
                 bool as_json) {
  auto window = parse_duration(since_text);
  if (!window) {
    std::cerr << "newswatch backtest: --since: " << window.error().message << "\n";
    return 2;
  }
  if (query.empty() == watchlist_files.empty()) {
    std::cerr << "newswatch backtest: give a rule to try, either --rule 'QUERY' or --watchlist "
                 "FILE\n";
    return 2;
  }
  std::vector<Watchlist> lists;
  if (!query.empty()) {
    lists.push_back({.name = "backtest",
                     .file = "--rule",
                     .rules = {{.id = "rule",
                                .query = query,
                                .query_pos = {.file = "--rule", .line = 1, .column = 1}}}});
  }
  const auto matcher = compile_rules(std::move(lists), watchlist_files);
  if (!matcher) return 2;
  auto state = open_state("backtest", config_path);
  if (!state) return 2;
  if (state->config.keep_articles.count() == 0) {
    std::cerr << "newswatch backtest: note: [daemon] keep_articles is off: no article is kept\n";
  } else if (*window > state->config.keep_articles) {
    std::cerr << "newswatch backtest: note: [daemon] keep_articles keeps "
              << state->config.keep_articles.count() / 3600 << "h of articles, less than --since\n";
  }
  const auto since =
      std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()) - *window;
  auto summary = backtest(*state->store, *matcher, since, [as_json](const KeptArticle& a, Hit hit) {
    if (as_json) {
      std::cout << dump({{"watchlist", hit.watchlist},
                         {"rule", hit.rule},
                         {"source", a.source_id},
                         {"url", a.url},
                         {"title", a.title},
                         {"published", time_json(a.published)},
                         {"fetched", format_utc(a.kept)},
                         {"matched", hit.matched},
                         {"snippet", hit.snippet}})
                << "\n";
      return;
    }
    std::string words;
    for (const auto& m : hit.matched) words += (words.empty() ? "" : ", ") + m;
    std::cout << hit.watchlist << "/" << hit.rule << "  " << a.source_id << "  "
              << (a.published ? format_utc(*a.published) : std::string("-")) << "  " << a.url
              << "  [" << words << "] " << hit.snippet << "\n";
  });
  if (!summary) {
    std::cerr << "newswatch backtest: " << summary.error().message << "\n";
    return 1;
  }
  const double ms = static_cast<double>(summary->elapsed.count()) / 1000.0;
  if (as_json) {
    std::cout << dump({{"searched", summary->searched}, {"ms", ms}, {"hits", summary->hits}})
              << "\n";
  } else {
    std::cout << "searched " << summary->searched << " articles in " << std::fixed
              << std::setprecision(1) << ms << " ms, " << summary->hits << " hits\n";
  }
  return 0;
}

std::atomic<bool> g_stop{false};

// Prints each alert once, in seq order: replay first, then live (daemon/subscriber.h).
int cmd_subscribe(SubscriberOptions options, bool replay_given, const std::string& format,
                  const std::string& curve_key_file) {
  if (!replay_given) options.replay_endpoint = default_replay_endpoint(options.endpoint);
  if (!curve_key_file.empty() || !options.curve_server_key.empty()) {
    if (curve_key_file.empty() || options.curve_server_key.empty()) {
      std::cerr << "newswatch subscribe: CURVE needs both --curve-key-file and "
                   "--curve-server-key\n";
      return 2;
    }
    auto secret = read_curve_key(curve_key_file);
    auto pub = secret ? curve_public_key(*secret) : std::unexpected(secret.error());
    if (!pub) {
      std::cerr << "newswatch subscribe: " << pub.error().message << "\n";
      return 2;
    }
    options.curve_key = CurveKeyPair{*pub, *secret};
  }
  struct sigaction sa {};
  sa.sa_handler = [](int) { g_stop = true; };
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  const bool text = format == "text";
  auto r = run_subscriber(
      options,
      [text](std::string_view json) {
        if (text) {
          std::cout << alert_text(json) << std::endl;
        } else {
          std::cout << json << std::endl;
        }
      },
      [](const std::string& line) { std::cerr << "newswatch subscribe: " << line << std::endl; },
      [] { return g_stop.load(); });
  if (!r) {
    std::cerr << "newswatch subscribe: " << r.error().message << "\n";
    return r.error().code == Errc::kInvalid ? 2 : 1;
  }
  return 0;
}

// Writes NAME.key and NAME.pub.
int cmd_keygen(const std::string& base) {
  auto keys = generate_curve_key_pair();
  if (!keys) {
    std::cerr << "newswatch keygen: " << keys.error().message << "\n";
    return 1;
  }
  if (auto r = write_curve_key_pair(base, *keys); !r) {
    std::cerr << "newswatch keygen: " << r.error().message << "\n";
    return 1;
  }
  std::cout << "wrote " << base << ".key (secret, keep it private) and " << base
            << ".pub (public: " << keys->public_key << ")\n";
  return 0;
}

}  // namespace
}  // namespace nw

int main(int argc, char** argv) {
  CLI::App app{"newswatch: the stages of newswatchd as command-line tools"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "newswatch 0.1.0");

  std::vector<std::string> inputs;
  bool as_json = false;
  std::string base_url;
  auto* extract = app.add_subcommand("extract", "print the main text of pages (files or URLs)");
  extract->add_flag("--json", as_json, "one JSON object per input per line");
  extract->add_option("--base-url", base_url, "URL the files came from (resolves relative links)");
  extract->add_option("inputs", inputs, "HTML files or URLs")->required();

  std::vector<std::string> watchlists;
  auto* match = app.add_subcommand("match", "print the watchlist hits of pages or text files");
  match->add_option("-w,--watchlist", watchlists, "watchlist file (TOML); repeatable")
      ->required()
      ->allow_extra_args(false);
  match->add_flag("--json", as_json, "one JSON object per hit per line");
  nw::MatchAs match_as;
  match->add_option("--lang", match_as.language,
                    "language of inputs that declare none (.txt files), e.g. en");
  match->add_option("--source", match_as.source, "source id the inputs come from");
  match->add_option("inputs", inputs, "HTML files, URLs, or .txt files (first line: title)")
      ->required();

  std::string feed_file, feed_url, content_type;
  auto* parse = app.add_subcommand("parse-feed", "print a feed (RSS, Atom, JSON Feed) as JSON");
  parse->add_option("file", feed_file, "feed file")->required();
  parse->add_option("--url", feed_url, "URL the feed came from; '' for none");
  parse->add_option("--content-type", content_type, "the HTTP Content-Type it came with");

  std::vector<std::string> rule_files;
  auto* check = app.add_subcommand("check-rules", "validate watchlist files");
  check->add_option("files", rule_files, "watchlist files (TOML)")->required();

  nw::SubscriberOptions sub_options;
  std::uint64_t sub_since = 0;
  std::string format = "json";
  std::string curve_key_file;
  auto* subscribe = app.add_subcommand(
      "subscribe",
      "print the alerts of a running newswatchd, one per line, each once, in seq order; "
      "catches up through the replay socket");
  subscribe->add_option("-e,--endpoint", sub_options.endpoint, "the daemon's [publish] endpoint")
      ->capture_default_str();
  auto* replay_opt = subscribe->add_option(
      "--replay-endpoint", sub_options.replay_endpoint,
      "the daemon's [publish] replay_endpoint (default: the endpoint's port + 1; \"\" = none)");
  subscribe->add_option("-t,--topic", sub_options.topic,
                        "topic prefix, e.g. libya/ or libya/haftar-cairo (default: all)");
  auto* since_opt =
      subscribe->add_option("--since", sub_since, "print recorded alerts after this seq first");
  subscribe->add_option("--state", sub_options.state_file,
                        "file that remembers the last seq printed; a restart resumes there");
  subscribe->add_option("--format", format, "json: the alert as sent; text: one readable line")
      ->check(CLI::IsMember({"json", "text"}))
      ->capture_default_str();
  subscribe->add_option("-n,--count", sub_options.count, "exit after this many alerts (0: never)");
  std::string sub_heartbeat = "5s";
  subscribe
      ->add_option("--heartbeat", sub_heartbeat,
                   "the daemon's [publish] heartbeat; silence for 3 of them means reconnect")
      ->capture_default_str();
  subscribe->add_option("--curve-server-key", sub_options.curve_server_key,
                        "the daemon's CURVE public key (Z85)");
  subscribe->add_option("--curve-key-file", curve_key_file,
                        "this client's secret key file, from `newswatch keygen`");

  std::string key_base;
  auto* keygen = app.add_subcommand("keygen", "write a CURVE key pair: NAME.key and NAME.pub");
  keygen->add_option("name", key_base, "path and name of the key files, without extension")
      ->required();

  std::string config_path;
  std::uint64_t since = 0;
  std::size_t limit = 1000;
  auto* alerts = app.add_subcommand(
      "alerts", "print recorded alerts after a sequence number, one JSON per line");
  alerts->add_option("-c,--config", config_path, "the daemon's configuration file")->required();
  alerts->add_option("--since", since, "print alerts with seq greater than this")
      ->capture_default_str();
  alerts->add_option("--limit", limit, "at most this many")->capture_default_str();
  std::string story;
  alerts->add_option("--story", story,
                     "every alert of this story id instead, the unpublished once_per_story "
                     "copies included");
  std::string state_format = "json";
  alerts->add_option("--format", state_format, "json: the alert as sent; text: one line each")
      ->check(CLI::IsMember({"json", "text"}))
      ->capture_default_str();

  std::string stories_config;
  auto* stories = app.add_subcommand(
      "stories", "print the story id the daemon would give each page, one JSON line each");
  stories->add_option("-c,--config", stories_config,
                      "also group with the articles this daemon recorded (its state database)");
  stories->add_option("inputs", inputs, "HTML files, URLs, or .txt files (first line: title)")
      ->required();

  auto* sources = app.add_subcommand(
      "sources", "print each source's health (last success, last error, next poll)");
  sources->add_option("-c,--config", config_path, "the daemon's configuration file")->required();
  sources->add_option("--format", state_format, "json: a line per source; text: a table")
      ->check(CLI::IsMember({"json", "text"}))
      ->capture_default_str();

  bool status_json = false;
  auto* status = app.add_subcommand(
      "status", "the daemon at a glance: each source's health, items and alerts, then totals");
  status->add_option("-c,--config", config_path, "the daemon's configuration file")->required();
  status->add_flag("--json", status_json, "one JSON object instead of the table");

  std::string backtest_rule;
  std::vector<std::string> backtest_watchlists;
  std::string backtest_since = "7d";
  std::string backtest_format = "text";
  auto* backtest = app.add_subcommand(
      "backtest",
      "run a rule over the articles the daemon kept ([daemon] keep_articles): its hits, the "
      "number of articles searched and the time taken");
  backtest->add_option("-c,--config", config_path, "the daemon's configuration file")->required();
  backtest->add_option("-r,--rule", backtest_rule, "the query to try, as a [[rule]] query");
  backtest
      ->add_option("-w,--watchlist", backtest_watchlists,
                   "watchlist file (TOML) whose rules to try, instead of --rule; repeatable")
      ->allow_extra_args(false);
  backtest->add_option("--since", backtest_since, "how far back: articles kept in this last time")
      ->capture_default_str();
  backtest
      ->add_option("--format", backtest_format,
                   "text: a line per hit; json: a JSON object per hit, then the summary")
      ->check(CLI::IsMember({"json", "text"}))
      ->capture_default_str();

  // CLI11 says only "A subcommand is required" for a mistyped one.
  if (argc > 1 && argv[1][0] != '-') {
    const auto subcommands =
        std::as_const(app).get_subcommands([](const CLI::App*) { return true; });
    std::string names;
    bool known = false;
    for (const CLI::App* s : subcommands) {
      names += (names.empty() ? "" : ", ") + s->get_name();
      known = known || s->check_name(argv[1]);
    }
    if (!known) {
      std::cerr << "newswatch: unknown command '" << argv[1] << "'; commands: " << names << "\n";
      return 2;
    }
  }
  CLI11_PARSE(app, argc, argv);
  if (*extract) return nw::cmd_extract(inputs, as_json, base_url);
  if (*match) return nw::cmd_match(watchlists, inputs, as_json, match_as);
  if (*parse) return nw::cmd_parse_feed(feed_file, feed_url, content_type);
  if (*check) return nw::cmd_check_rules(rule_files);
  if (*subscribe) {
    if (*since_opt) sub_options.since = sub_since;
    auto beat = nw::parse_duration(sub_heartbeat);
    if (!beat || beat->count() <= 0) {
      std::cerr << "newswatch subscribe: --heartbeat: "
                << (beat ? "must be positive" : beat.error().message) << "\n";
      return 2;
    }
    sub_options.heartbeat = *beat;
    return nw::cmd_subscribe(sub_options, replay_opt->count() > 0, format, curve_key_file);
  }
  if (*keygen) return nw::cmd_keygen(key_base);
  if (*alerts) return nw::cmd_alerts(config_path, since, limit, state_format == "text", story);
  if (*stories) return nw::cmd_stories(inputs, stories_config);
  if (*sources) return nw::cmd_sources("sources", config_path, state_format == "text", false);
  if (*status) return nw::cmd_sources("status", config_path, !status_json, true);
  if (*backtest) {
    return nw::cmd_backtest(config_path, backtest_rule, backtest_watchlists, backtest_since,
                            backtest_format == "json");
  }
  return 0;
}
