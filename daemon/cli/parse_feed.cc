// `newswatch parse-feed`: a feed file (RSS, Atom, JSON Feed) parsed as the
// daemon parses it, printed as JSON (feeds/feed_parser.h).
#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>
#include <string>

#include "daemon/cli/command.h"
#include "daemon/cli/input.h"
#include "feeds/curl_fetcher.h"
#include "feeds/feed_parser.h"

namespace nw::cli {
namespace {

struct ParseFeedOptions {
  std::string file;
  std::string url;  // the feed came from; '' for none
  bool url_given = false;
  std::string content_type;
};

int run_parse_feed(const ParseFeedOptions& o) {
  // A URL is fetched as the daemon fetches it; its final URL and Content-Type
  // stand where --url and --content-type are not given.
  const auto fetcher = is_url(o.file) ? make_curl_fetcher({}) : nullptr;
  auto in = read_input(o.file, fetcher.get());
  if (!in) {
    std::cerr << "newswatch parse-feed: " << in.error().message << "\n";
    return 1;
  }
  auto feed = parse_feed(
      in->bytes, {.url = o.url_given ? o.url : in->url,
                  .content_type = o.content_type.empty() ? in->content_type : o.content_type});
  if (!feed) {
    std::cerr << o.file << ": " << feed.error().message << "\n";
    return 1;
  }
  // A recovered ("bozo") feed still prints and exits 0; the reason goes to stderr.
  if (!feed->bozo.empty())
    std::cerr << o.file
              << (feed->bozo.starts_with("charset: ") ? ": repaired damaged text: "
                                                      : ": recovered from ill-formed XML: ")
              << (feed->bozo.starts_with("charset: ") ? feed->bozo.substr(9) : feed->bozo) << "\n";
  std::cout << feed_to_json(*feed) << "\n";
  return 0;
}

}  // namespace

Run setup_parse_feed(CLI::App& app) {
  auto o = std::make_shared<ParseFeedOptions>();
  app.add_option("file", o->file, "feed file, or a URL to fetch it from")->required();
  auto* url = app.add_option("--url", o->url, "URL the feed came from; '' for none");
  app.add_option("--content-type", o->content_type, "the HTTP Content-Type it came with");
  return [o, url] {
    o->url_given = url->count() > 0;
    return run_parse_feed(*o);
  };
}

}  // namespace nw::cli
