#include "feeds/gzip.h"

#include <zlib.h>

#include <algorithm>
#include <climits>
#include <memory>

namespace nw {

bool is_gzip(std::string_view bytes) {
  return bytes.size() >= 3 && static_cast<unsigned char>(bytes[0]) == 0x1f &&
         static_cast<unsigned char>(bytes[1]) == 0x8b && bytes[2] == 0x08;
}

Result<std::string> gunzip(std::string_view bytes, std::size_t max_bytes) {
  z_stream z{};
  // 16 + MAX_WBITS: a gzip wrapper, not a raw or zlib one.
  if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) return fail(Errc::kInternal, "inflateInit2 failed");
  struct End {
    void operator()(z_stream* s) const { inflateEnd(s); }
  };
  std::unique_ptr<z_stream, End> guard(&z);
  std::string out;
  char chunk[64 * 1024];
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  // Bodies are capped far below 4 GiB before they get here.
  z.avail_in = static_cast<uInt>(std::min<std::size_t>(bytes.size(), UINT_MAX));
  for (;;) {
    z.next_out = reinterpret_cast<Bytef*>(chunk);
    z.avail_out = sizeof chunk;
    const int rc = inflate(&z, Z_NO_FLUSH);
    const std::size_t produced = sizeof chunk - z.avail_out;
    if (produced > max_bytes - out.size()) {
      return fail(Errc::kTooLarge,
                  "gzip data inflates to more than " + std::to_string(max_bytes) + " bytes");
    }
    out.append(chunk, produced);
    if (rc == Z_STREAM_END) {
      // Another member may follow (concatenated gzip files are one file).
      if (z.avail_in == 0 ||
          !is_gzip(std::string_view(reinterpret_cast<const char*>(z.next_in), z.avail_in))) {
        return out;
      }
      if (inflateReset(&z) != Z_OK) return fail(Errc::kInternal, "inflateReset failed");
      continue;
    }
    if (rc == Z_BUF_ERROR && (z.avail_in == 0 || produced == 0)) {
      return fail(Errc::kParse,
                  "gzip data cut off after " + std::to_string(out.size()) + " inflated bytes");
    }
    if (rc != Z_OK && rc != Z_BUF_ERROR) {
      return fail(Errc::kParse,
                  std::string("damaged gzip data: ") + (z.msg ? z.msg : "inflate failed"));
    }
  }
}

}  // namespace nw
