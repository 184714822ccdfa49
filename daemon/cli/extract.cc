// `newswatch extract`: the main text of pages (files or URLs), as the daemon
// extracts it (filters/page_text.h).
#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "daemon/cli/command.h"
#include "daemon/cli/input.h"
#include "daemon/cli/json_line.h"
#include "filters/language.h"
#include "filters/page_text.h"

namespace nw::cli {
namespace {

struct ExtractOptions {
  std::vector<std::string> inputs;
  bool json = false;
  std::string base_url;  // for files: resolves relative links
};

int run_extract(const ExtractOptions& o) {
  return for_each_input(
      "extract", o.inputs, o.json, [&](const std::string& input, const Input& in) {
        const auto [a, encoding] = extract_page({.bytes = in.bytes,
                                                 .content_type = in.content_type,
                                                 .url = in.url.empty() ? o.base_url : in.url});
        if (o.json) {
          // The article's language as the daemon matches it: from its text, else
          // as declared (filters/language.h); the declaration beside it.
          const ChosenLanguage language = identify_language(a.language, a.title, a.text);
          json j = {{"input", input},
                    {"url", a.url.empty() ? json(nullptr) : json(a.url)},
                    {"title", a.title},
                    {"text", a.text},
                    {"published", time_json(a.published)},
                    {"author", a.author},
                    {"language", language.code},
                    {"language_from", language_from_name(language.from)},
                    {"declared_language", a.language},
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

}  // namespace

Run setup_extract(CLI::App& app) {
  auto o = std::make_shared<ExtractOptions>();
  app.add_flag("--json", o->json, "one JSON object per input per line");
  app.add_option("--base-url", o->base_url, "URL the files came from (resolves relative links)");
  app.add_option("inputs", o->inputs, inputs_help("HTML files or URLs"))->required();
  return [o] { return run_extract(*o); };
}

}  // namespace nw::cli
