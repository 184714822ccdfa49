// `newswatch parse-feed`: a feed file (RSS, Atom, JSON Feed) parsed as the
// daemon parses it, printed as JSON (feeds/feed_parser.h).
#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>
#include <string>

#include "daemon/cli/command.h"
#include "daemon/cli/input.h"
#include "feeds/feed_parser.h"

namespace nw::cli {
namespace {

struct ParseFeedOptions {
  std::string file;
  std::string url;  // the feed came from; '' for none
  std::string content_type;
};

int run_parse_feed(const ParseFeedOptions& o) {
  auto in = read_input(o.file, nullptr);
  if (!in) {
    std::cerr << "newswatch parse-feed: " << in.error().message << "\n";
    return 1;
  }
  auto feed = parse_feed(in->bytes, {.url = o.url, .content_type = o.content_type});
  if (!feed) {
    std::cerr << o.file << ": " << feed.error().message << "\n";
    return 1;
  }
  // A recovered ("bozo") feed still prints and exits 0; the reason goes to stderr.
  if (!feed->bozo.empty())
    std::cerr << o.file << ": recovered from ill-formed XML: " << feed->bozo << "\n";
  std::cout << feed_to_json(*feed) << "\n";
  return 0;
}

}  // namespace

Run setup_parse_feed(CLI::App& app) {
  auto o = std::make_shared<ParseFeedOptions>();
  app.add_option("file", o->file, "feed file")->required();
  app.add_option("--url", o->url, "URL the feed came from; '' for none");
  app.add_option("--content-type", o->content_type, "the HTTP Content-Type it came with");
  return [o] { return run_parse_feed(*o); };
}

}  // namespace nw::cli
