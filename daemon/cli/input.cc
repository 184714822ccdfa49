// Reading the commands' inputs (daemon/cli/input.h).
#include "daemon/cli/input.h"

#include <array>
#include <fstream>
#include <iostream>
#include <iterator>
#include <utility>

#include "daemon/cli/json_line.h"
#include "feeds/charset.h"
#include "feeds/curl_fetcher.h"

namespace nw::cli {

bool is_url(const std::string& s) { return s.starts_with("http://") || s.starts_with("https://"); }

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
  // In blocks: an istreambuf_iterator copies a byte per call, which was a
  // sixth of a whole `extract` run's instructions.
  std::string bytes;
  std::array<char, 64 * 1024> block;
  while (in.read(block.data(), block.size()) || in.gcount() > 0) {
    bytes.append(block.data(), static_cast<std::size_t>(in.gcount()));
  }
  if (in.bad()) return fail(Errc::kIo, input + ": read error");
  return Input{std::move(bytes), "", ""};
}

namespace {

// An input that could not be read: a JSON line in the output stream, or a message on stderr.
void report_failure(std::string_view command, const std::string& input, const Error& error,
                    bool as_json) {
  if (as_json) {
    std::cout << dump({{"input", input}, {"error", error.message}}) << "\n";
  } else {
    std::cerr << "newswatch " << command << ": " << error.message << "\n";
  }
}

}  // namespace

PageText text_of(const std::string& input, const Input& in) {
  if (!is_url(input) && input.ends_with(".txt")) {
    const Decoded d = decode_to_utf8(in.bytes, in.content_type, DocType::kText);
    const auto nl = d.text.find('\n');
    if (nl == std::string::npos) return {.title = d.text};
    return {.title = d.text.substr(0, nl), .text = d.text.substr(nl + 1)};
  }
  return page_text({.bytes = in.bytes, .content_type = in.content_type, .url = in.url});
}

int for_each_input(std::string_view command, const std::vector<std::string>& inputs, bool as_json,
                   const std::function<void(const std::string& input, const Input& in)>& each) {
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

std::string inputs_help(std::string_view what) {
  return std::string(what) + "; after -- when a name begins with -";
}

}  // namespace nw::cli
