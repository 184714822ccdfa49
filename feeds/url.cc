#include "feeds/url.h"

#include <curl/curl.h>

#include <algorithm>
#include <memory>
#include <vector>

#include "feeds/text.h"

namespace nw {
namespace {

struct UrlDeleter {
  void operator()(CURLU* u) const { curl_url_cleanup(u); }
};
using UrlHandle = std::unique_ptr<CURLU, UrlDeleter>;

struct CurlString {
  char* p = nullptr;
  ~CurlString() { curl_free(p); }
};

std::string get_part(CURLU* u, CURLUPart part, unsigned flags = 0) {
  CurlString s;
  if (curl_url_get(u, part, &s.p, flags) != CURLUE_OK || s.p == nullptr) return {};
  return s.p;
}

bool is_http(CURLU* u) {
  const std::string scheme = lower_ascii(get_part(u, CURLUPART_SCHEME));
  return (scheme == "http" || scheme == "https") && !get_part(u, CURLUPART_HOST).empty();
}

// Parses `text` (absolute, or relative to `base` when given) into a handle that
// holds an http(s) URL, or nullptr.
UrlHandle parse(std::string_view base, std::string_view text) {
  UrlHandle u(curl_url());
  if (!u) return nullptr;
  constexpr unsigned kFlags = CURLU_NON_SUPPORT_SCHEME | CURLU_URLENCODE | CURLU_ALLOW_SPACE;
  if (!base.empty()) {
    const std::string b(trim(base));
    if (curl_url_set(u.get(), CURLUPART_URL, b.c_str(), kFlags) != CURLUE_OK) return nullptr;
  }
  const std::string t(trim(text));
  if (t.empty() && base.empty()) return nullptr;
  if (!t.empty() && curl_url_set(u.get(), CURLUPART_URL, t.c_str(), kFlags) != CURLUE_OK) {
    return nullptr;
  }
  if (!is_http(u.get())) return nullptr;
  return u;
}

bool tracking_param(std::string_view kv) {
  const std::string key = lower_ascii(kv.substr(0, kv.find('=')));
  return key.starts_with("utm_") || key == "fbclid" || key == "gclid";
}

}  // namespace

std::string resolve_url(std::string_view base, std::string_view ref) {
  UrlHandle u = parse(base, ref);
  return u ? get_part(u.get(), CURLUPART_URL) : std::string();
}

std::string canonical_url(std::string_view url) {
  UrlHandle u = parse({}, url);
  if (!u) return {};
  curl_url_set(u.get(), CURLUPART_FRAGMENT, nullptr, 0);
  curl_url_set(u.get(), CURLUPART_SCHEME, lower_ascii(get_part(u.get(), CURLUPART_SCHEME)).c_str(),
               0);
  curl_url_set(u.get(), CURLUPART_HOST, lower_ascii(get_part(u.get(), CURLUPART_HOST)).c_str(), 0);
  const std::string query = get_part(u.get(), CURLUPART_QUERY);
  if (!query.empty()) {
    std::string kept;
    std::size_t start = 0;
    while (start <= query.size()) {
      std::size_t amp = query.find('&', start);
      if (amp == std::string::npos) amp = query.size();
      const std::string_view kv(query.data() + start, amp - start);
      if (!kv.empty() && !tracking_param(kv)) {
        if (!kept.empty()) kept += '&';
        kept += kv;
      }
      start = amp + 1;
    }
    curl_url_set(u.get(), CURLUPART_QUERY, kept.empty() ? nullptr : kept.c_str(), 0);
  }
  return get_part(u.get(), CURLUPART_URL, CURLU_NO_DEFAULT_PORT);
}

std::string url_host(std::string_view url) {
  UrlHandle u = parse({}, url);
  return u ? lower_ascii(get_part(u.get(), CURLUPART_HOST)) : std::string();
}

}  // namespace nw
