// gzip bodies that arrive as data rather than as a Content-Encoding (a
// sitemap served as `.xml.gz`, application/x-gzip): told apart by their magic
// bytes and inflated with a cap on the output, so a small bomb cannot take
// the memory. Pure functions, safe from any thread.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "feeds/error.h"

namespace nw {

// Whether `bytes` start like a gzip member (1f 8b 08).
bool is_gzip(std::string_view bytes);

// The inflated bytes of every gzip member in `bytes`, in order. Errc::kTooLarge
// as soon as the output would exceed `max_bytes`; Errc::kParse for a damaged
// or cut-off stream (with what zlib said).
[[nodiscard]] Result<std::string> gunzip(std::string_view bytes, std::size_t max_bytes);

}  // namespace nw
