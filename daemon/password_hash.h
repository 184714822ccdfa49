// Argon2id password hashes in their encoded form (daemon/auth_file.h), through
// libargon2: making one (`newswatch passwd`) and verifying a secret against one
// (the HTTP server's auth, daemon/web_auth.h). Verifying is slow on purpose
// (tens of MiB and about a second of CPU at the default cost): never on the
// daemon's loop thread. Any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "feeds/error.h"

namespace nw {

// Argon2id's costs: passes, memory in KiB, lanes. The default is RFC 9106's
// second recommendation with one lane (no threads): 64 MiB, 3 passes.
struct HashCost {
  std::uint32_t passes = 3;
  std::uint32_t memory_kib = 65536;
  std::uint32_t lanes = 1;
};

// $argon2id$v=19$m=...,t=...,p=...$SALT$HASH of `secret`, with 16 random bytes
// of salt and a 32-byte hash.
[[nodiscard]] Result<std::string> hash_password(std::string_view secret, HashCost cost = {});

// Whether `secret` is the one `encoded` was made from (argon2id or argon2i;
// libargon2 compares the hashes in constant time). False for a hash it cannot
// decode.
bool verify_password(const std::string& encoded, std::string_view secret);

// A new bearer token: 32 random bytes as 43 characters of base64url.
[[nodiscard]] Result<std::string> random_token();

}  // namespace nw
