// `newswatch stories`: per input, the story the daemon would give it, as one
// JSON line: the inputs are grouped with one another in order and, with a
// config, with the articles the daemon recorded within its story_window.
// With --top N instead of inputs: the daemon's N stories with the most
// sources among those seen within --since (default: its story_window).
// Writes nothing.
#include <CLI/CLI.hpp>
#include <chrono>
#include <cmath>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "daemon/alert.h"
#include "daemon/cli/command.h"
#include "daemon/cli/input.h"
#include "daemon/cli/state.h"
#include "daemon/cli/status_report.h"
#include "feeds/url.h"
#include "filters/story.h"

namespace nw::cli {
namespace {

struct StoriesOptions {
  std::vector<std::string> inputs;
  std::string config_path;  // none: the inputs are grouped only with one another
  std::size_t top = 0;      // > 0: list the stories instead
  std::string since;        // with top: a duration; empty: the story_window
};

int run_top(const StoriesOptions& o) {
  if (!o.inputs.empty()) {
    std::cerr << "newswatch stories: --top lists the recorded stories: give no inputs with it\n";
    return 2;
  }
  if (o.config_path.empty()) {
    std::cerr << "newswatch stories: --top needs the daemon's --config\n";
    return 2;
  }
  std::optional<std::chrono::seconds> window;
  if (!o.since.empty()) {
    auto d = parse_duration(o.since);
    if (!d) {
      std::cerr << "newswatch stories: --since: " << d.error().message << "\n";
      return 2;
    }
    window = *d;
  }
  auto state = open_state("stories", o.config_path);
  if (!state) return 2;
  const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  auto top = state->store->top_stories(now - window.value_or(state->config.story_window), o.top);
  if (!top) {
    std::cerr << "newswatch stories: " << top.error().message << "\n";
    return 1;
  }
  for (const StorySummary& s : *top) std::cout << story_summary_json(s) << "\n";
  return 0;
}

int run_stories(const StoriesOptions& o) {
  if (o.top > 0) return run_top(o);
  if (o.inputs.empty()) {
    std::cerr << "newswatch stories: give inputs to group, or --top N to list the stories\n";
    return 2;
  }
  if (!o.since.empty()) {
    std::cerr << "newswatch stories: --since goes with --top\n";
    return 2;
  }
  StoryOptions options;
  std::optional<State> state;
  if (!o.config_path.empty()) {
    state = open_state("stories", o.config_path);
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
  return for_each_input("stories", o.inputs, true, [&](const std::string& input, const Input& in) {
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

}  // namespace

Run setup_stories(CLI::App& app) {
  auto o = std::make_shared<StoriesOptions>();
  app.add_option("-c,--config", o->config_path,
                 "also group with the articles this daemon recorded (its state database)");
  app.add_option("--top", o->top,
                 "list the N recorded stories with the most sources instead (needs --config)")
      ->check(CLI::PositiveNumber);
  app.add_option("--since", o->since,
                 "with --top: stories seen within this duration, e.g. 24h (default: story_window)");
  app.add_option("inputs", o->inputs,
                 inputs_help("HTML files, URLs, or .txt files (first line: title)"));
  return [o] { return run_stories(*o); };
}

}  // namespace nw::cli
