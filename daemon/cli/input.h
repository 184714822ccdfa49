// The inputs of extract, match and stories: files or http(s) URLs, read whole,
// and what the matcher sees of them. A failure to read is the command's to
// report (report_failure). Main thread only (for_each_input blocks on curl).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "feeds/error.h"
#include "feeds/fetcher.h"
#include "filters/page_text.h"

namespace nw::cli {

bool is_url(const std::string& s);

struct Input {
  std::string bytes;
  std::string content_type;
  std::string url;  // where it came from, when fetched
};

// A file, or a URL fetched with `fetcher` (HTTP 200 only).
// REQUIRES: fetcher is not null when `input` is a URL.
[[nodiscard]] Result<Input> read_input(const std::string& input, Fetcher* fetcher);

// What the matcher sees of an input: a page goes the daemon's way
// (filters/page_text.h); a .txt file is its first line (the title) and the rest.
PageText text_of(const std::string& input, const Input& in);

// Reads each input (a file or a URL) in turn and hands it to `each`; an input
// that cannot be read is `command`'s failure (with `as_json` a JSON line
// {"input","error"} on stdout, else a message on stderr) and makes the status 1.
int for_each_input(std::string_view command, const std::vector<std::string>& inputs, bool as_json,
                   const std::function<void(const std::string& input, const Input& in)>& each);

// The help of an inputs positional: `what` and how to give a name beginning with '-'.
std::string inputs_help(std::string_view what);

}  // namespace nw::cli
