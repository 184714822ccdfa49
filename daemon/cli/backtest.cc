// `newswatch backtest`: a rule (or watchlist files) run over the articles the
// daemon kept ([daemon] keep_articles) in a last span of time: a line per hit,
// then "searched N articles in X ms, H hits" (daemon/backtest.h).
#include "daemon/backtest.h"

#include <CLI/CLI.hpp>
#include <chrono>
#include <iomanip>
#include <iostream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "config/config.h"
#include "daemon/alert.h"
#include "daemon/cli/command.h"
#include "daemon/cli/json_line.h"
#include "daemon/cli/rules.h"
#include "daemon/cli/state.h"

namespace nw::cli {
namespace {

struct BacktestOptions {
  std::string config_path;
  std::string rule;  // a [[rule]] query, or
  std::vector<std::string> watchlists;
  std::string since = "7d";
  std::string format = "text";
};

void print_hit(const KeptArticle& a, const Hit& hit, bool as_json) {
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
            << (a.published ? format_utc(*a.published) : std::string("-")) << "  " << a.url << "  ["
            << words << "] " << hit.snippet << "\n";
}

// --rule as a watchlist of one rule, or none.
std::vector<Watchlist> rule_list(const std::string& query) {
  if (query.empty()) return {};
  return {{.name = "backtest",
           .file = "--rule",
           .rules = {{.id = "rule",
                      .query = query,
                      .query_pos = {.file = "--rule", .line = 1, .column = 1}}}}};
}

int run_backtest(const BacktestOptions& o) {
  auto window = parse_duration(o.since);
  if (!window) {
    std::cerr << "newswatch backtest: --since: " << window.error().message << "\n";
    return 2;
  }
  if (o.rule.empty() == o.watchlists.empty()) {
    std::cerr << "newswatch backtest: give a rule to try, either --rule 'QUERY' or --watchlist "
                 "FILE\n";
    return 2;
  }
  const auto matcher = compile_rules(rule_list(o.rule), o.watchlists);
  if (!matcher) return 2;
  auto state = open_state("backtest", o.config_path);
  if (!state) return 2;
  if (state->config.keep_articles.count() == 0) {
    std::cerr << "newswatch backtest: note: [daemon] keep_articles is off: no article is kept\n";
  } else if (*window > state->config.keep_articles) {
    std::cerr << "newswatch backtest: note: [daemon] keep_articles keeps "
              << state->config.keep_articles.count() / 3600 << "h of articles, less than --since\n";
  }
  const bool as_json = o.format == "json";
  const auto since =
      std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()) - *window;
  auto summary = backtest(*state->store, *matcher, since,
                          [as_json](const KeptArticle& a, Hit hit) { print_hit(a, hit, as_json); });
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

}  // namespace

Run setup_backtest(CLI::App& app) {
  auto o = std::make_shared<BacktestOptions>();
  app.add_option("-c,--config", o->config_path, "the daemon's configuration file")->required();
  app.add_option("-r,--rule", o->rule, "the query to try, as a [[rule]] query");
  app.add_option("-w,--watchlist", o->watchlists,
                 "watchlist file (TOML) whose rules to try, instead of --rule; repeatable")
      ->allow_extra_args(false);
  app.add_option("--since", o->since, "how far back: articles kept in this last time")
      ->capture_default_str();
  app.add_option("--format", o->format,
                 "text: a line per hit; json: a JSON object per hit, then the summary")
      ->check(CLI::IsMember({"json", "text"}))
      ->capture_default_str();
  return [o] { return run_backtest(*o); };
}

}  // namespace nw::cli
