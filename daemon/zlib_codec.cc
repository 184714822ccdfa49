// The archive's zlib codec (daemon/zlib_codec.h).
#include "daemon/zlib_codec.h"

namespace nw {

ZlibCodec::ZlibCodec() {
  deflate_ok_ = deflateInit(&deflate_, Z_DEFAULT_COMPRESSION) == Z_OK;
  inflate_ok_ = inflateInit(&inflate_) == Z_OK;
}

ZlibCodec::~ZlibCodec() {
  if (deflate_ok_) deflateEnd(&deflate_);
  if (inflate_ok_) inflateEnd(&inflate_);
}

Result<std::string> ZlibCodec::compress(std::string_view text) {
  if (!deflate_ok_ || deflateReset(&deflate_) != Z_OK) {
    return fail(Errc::kIo, "cannot compress an article's text");
  }
  std::string out(deflateBound(&deflate_, static_cast<uLong>(text.size())), '\0');
  deflate_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  deflate_.avail_in = static_cast<uInt>(text.size());
  deflate_.next_out = reinterpret_cast<Bytef*>(out.data());
  deflate_.avail_out = static_cast<uInt>(out.size());
  if (deflate(&deflate_, Z_FINISH) != Z_STREAM_END) {
    return fail(Errc::kIo, "cannot compress an article's text");
  }
  out.resize(deflate_.total_out);
  return out;
}

Result<std::string> ZlibCodec::decompress(std::string_view data, std::size_t size) {
  std::string out(size, '\0');
  if (!inflate_ok_ || inflateReset(&inflate_) != Z_OK) {
    return fail(Errc::kIo, "cannot decompress a kept article's text");
  }
  inflate_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  inflate_.avail_in = static_cast<uInt>(data.size());
  inflate_.next_out = reinterpret_cast<Bytef*>(out.data());
  inflate_.avail_out = static_cast<uInt>(out.size());
  if (inflate(&inflate_, Z_FINISH) != Z_STREAM_END || inflate_.total_out != size) {
    return fail(Errc::kIo, "a kept article's text is damaged");
  }
  return out;
}

}  // namespace nw
