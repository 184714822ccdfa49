// URL helpers on top of libcurl's URL API (RFC 3986). Pure functions, safe from
// any thread. Only http and https URLs are accepted anywhere in newswatch.
#pragma once

#include <string>
#include <string_view>

namespace nw {

// Resolves `ref` against `base`. Returns "" when the result is not a valid
// http(s) URL (javascript:, mailto:, garbage).
std::string resolve_url(std::string_view base, std::string_view ref);

// The form used to recognise one article under several URLs: lower-case scheme
// and host, no default port, no fragment, no utm_*/fbclid/gclid parameters.
// Returns "" for what is not an http(s) URL.
std::string canonical_url(std::string_view url);

// Lower-case host name of an http(s) URL, "" when there is none.
std::string url_host(std::string_view url);

}  // namespace nw
