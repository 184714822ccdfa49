#include "daemon/password_hash.h"

#include <argon2.h>
#include <sys/random.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <vector>

namespace nw {
namespace {

Result<void> fill_random(void* out, std::size_t n) {
  auto* p = static_cast<unsigned char*>(out);
  while (n > 0) {
    const ssize_t got = ::getrandom(p, n, 0);
    if (got < 0) {
      if (errno == EINTR) continue;
      return fail(Errc::kIo, std::string("cannot get random bytes: ") + std::strerror(errno));
    }
    p += got;
    n -= static_cast<std::size_t>(got);
  }
  return {};
}

}  // namespace

Result<std::string> hash_password(std::string_view secret, HashCost cost) {
  std::array<unsigned char, 16> salt;
  if (auto r = fill_random(salt.data(), salt.size()); !r) return std::unexpected(r.error());
  constexpr std::uint32_t kHashBytes = 32;
  std::vector<char> encoded(argon2_encodedlen(cost.passes, cost.memory_kib, cost.lanes, salt.size(),
                                              kHashBytes, Argon2_id));
  const int rc =
      argon2id_hash_encoded(cost.passes, cost.memory_kib, cost.lanes, secret.data(), secret.size(),
                            salt.data(), salt.size(), kHashBytes, encoded.data(), encoded.size());
  if (rc != ARGON2_OK) {
    return fail(Errc::kInternal, std::string("argon2id: ") + argon2_error_message(rc));
  }
  return std::string(encoded.data());
}

bool verify_password(const std::string& encoded, std::string_view secret) {
  const argon2_type type = encoded.starts_with("$argon2id$") ? Argon2_id : Argon2_i;
  return argon2_verify(encoded.c_str(), secret.data(), secret.size(), type) == ARGON2_OK;
}

Result<std::string> random_token() {
  std::array<unsigned char, 33> bytes;  // 33: whole groups of 3, cut to 32 below
  if (auto r = fill_random(bytes.data(), 32); !r) return std::unexpected(r.error());
  bytes[32] = 0;
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    const std::uint32_t v = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    for (int shift = 18; shift >= 0; shift -= 6) out += kAlphabet[(v >> shift) & 63];
  }
  out.resize(43);  // 256 bits
  return out;
}

}  // namespace nw
