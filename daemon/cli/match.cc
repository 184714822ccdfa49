// `newswatch match`: the watchlist hits of pages or text files, as the daemon
// would alert on them.
#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "daemon/cli/command.h"
#include "daemon/cli/input.h"
#include "daemon/cli/json_line.h"
#include "daemon/cli/rules.h"
#include "filters/language.h"
#include "filters/matcher.h"

namespace nw::cli {
namespace {

struct MatchOptions {
  std::vector<std::string> watchlists;
  std::vector<std::string> inputs;
  bool json = false;
  // The language of the .txt files, instead of the one their text shows, and of
  // pages whose language is unknown (declared by none, too short to identify).
  std::string language;
  std::string source;  // the source id of every input (for `sources` and `source:`)
};

void print_hit(const std::string& input, const Hit& hit, bool as_json) {
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

int run_match(const MatchOptions& o) {
  const auto matcher = compile_rules({}, o.watchlists);
  if (!matcher) return 2;
  return for_each_input("match", o.inputs, o.json, [&](const std::string& input, const Input& in) {
    PageText page = text_of(input, in);
    const bool text_file = !is_url(input) && input.ends_with(".txt");
    if (text_file && !o.language.empty()) {
      page.language = o.language;
    } else if (text_file) {
      page.language = identify_language("", page.title, page.text).code;
    } else if (page.language.empty()) {
      page.language = o.language;
    }
    const Document doc{
        .title = page.title, .body = page.text, .source = o.source, .language = page.language};
    for (const Hit& hit : matcher->match(doc)) print_hit(input, hit, o.json);
  });
}

}  // namespace

Run setup_match(CLI::App& app) {
  auto o = std::make_shared<MatchOptions>();
  app.add_option("-w,--watchlist", o->watchlists, "watchlist file (TOML); repeatable")
      ->required()
      ->allow_extra_args(false);
  app.add_flag("--json", o->json, "one JSON object per hit per line");
  app.add_option("--lang", o->language,
                 "language of the .txt files (instead of their text's) and of pages whose "
                 "language is unknown, e.g. en");
  app.add_option("--source", o->source, "source id the inputs come from");
  app.add_option("inputs", o->inputs,
                 inputs_help("HTML files, URLs, or .txt files (first line: title)"))
      ->required();
  return [o] { return run_match(*o); };
}

}  // namespace nw::cli
