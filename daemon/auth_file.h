// The `[web] auth_file`: who may use the HTTP server when it is set. One entry
// a line, `#` comments and blank lines aside:
//   NAME:HASH          a user, for HTTP Basic auth (NAME and a password)
//   token:NAME:HASH    a bearer token (`Authorization: Bearer TOKEN`); NAME only
//                      names it in the log
// HASH is an Argon2 hash in its standard encoded form,
// $argon2id$v=19$m=65536,t=3,p=1$SALT$HASH (argon2i too), as `newswatch passwd`
// prints it. Parsing only checks the form; verifying is daemon/password_hash.h.
// Pure functions, any thread.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "feeds/error.h"

namespace nw {

struct AuthEntry {
  std::string name;
  std::string hash;  // the encoded Argon2 hash
  int line = 0;
  bool operator==(const AuthEntry&) const = default;
};

struct AuthFile {
  std::filesystem::path file;
  std::vector<AuthEntry> users;   // names are unique
  std::vector<AuthEntry> tokens;  // names are unique
  // The user called `name`, or nullptr.
  const AuthEntry* user(std::string_view name) const;
};

// Every problem, one "file:line:col: message" line each (Errc::kInvalid);
// `file_name` is how the messages name the file. A file without a single user
// or token is an error too: nobody could sign in.
[[nodiscard]] Result<AuthFile> parse_auth_file(std::string_view text, const std::string& file_name);
// Reads and parses `file` (Errc::kIo when it cannot be read).
[[nodiscard]] Result<AuthFile> load_auth_file(const std::filesystem::path& file);

// Whether `name` may name a user or a token: 1 to 64 of A-Z a-z 0-9 . _ - @ +.
// The user name "token" is taken by token lines.
bool valid_auth_name(std::string_view name);

// Where and why `hash` is not an encoded Argon2 hash newswatch verifies
// (argon2id or argon2i, v=19, bounded costs, canonical base64 of a salt of at
// least 8 bytes and a hash of at least 16). `offset` is a byte offset in `hash`.
struct HashProblem {
  std::size_t offset = 0;
  std::string why;  // "" when the hash is fine
};
HashProblem check_argon2_hash(std::string_view hash);

}  // namespace nw
