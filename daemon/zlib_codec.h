// The article archive's body codec: zlib at its default level (about half the
// size of the text, a third for Arabic prose). One stream each way, reset
// between texts: a fresh deflate stream allocates a quarter of a megabyte,
// which the allocator would map and unmap on every call.
// Not thread-safe: one ZlibCodec per thread (the store's is used by its one thread).
#pragma once

#include <zlib.h>

#include <cstddef>
#include <string>
#include <string_view>

#include "feeds/error.h"

namespace nw {

class ZlibCodec {
 public:
  ZlibCodec();
  ~ZlibCodec();
  ZlibCodec(const ZlibCodec&) = delete;
  ZlibCodec& operator=(const ZlibCodec&) = delete;

  // A zlib stream of `text`. Errc::kIo only if zlib cannot (out of memory).
  [[nodiscard]] Result<std::string> compress(std::string_view text);
  // The text of `data`, which must decompress to exactly `size` bytes:
  // Errc::kIo "a kept article's text is damaged" otherwise.
  [[nodiscard]] Result<std::string> decompress(std::string_view data, std::size_t size);

 private:
  z_stream deflate_{};
  z_stream inflate_{};
  bool deflate_ok_ = false;
  bool inflate_ok_ = false;
};

}  // namespace nw
