#include "daemon/auth_file.h"

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>

namespace nw {
namespace {

constexpr std::string_view kTokenPrefix = "token:";
constexpr std::string_view kFormHint =
    "like $argon2id$v=19$m=65536,t=3,p=1$SALT$HASH (newswatch passwd NAME prints a line)";

// Costs beyond these are a typo, not a choice: 1 GiB and 16 lanes per check.
constexpr std::uint64_t kMaxMemoryKib = 1u << 20;
constexpr std::uint64_t kMaxTime = 64;
constexpr std::uint64_t kMaxLanes = 16;

bool name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-' || c == '@' || c == '+';
}

int b64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// Unpadded standard base64 as Argon2 writes it: the bytes it decodes to, or
// the offset of the first wrong character (the end: a wrong length or stray
// bits, which libargon2 refuses too).
struct Base64 {
  std::size_t bytes = 0;
  std::size_t bad = std::string_view::npos;
};
Base64 check_base64(std::string_view s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (b64_value(s[i]) < 0) return {.bad = i};
  }
  const std::size_t rest = s.size() % 4;
  if (rest == 1) return {.bad = s.size() - 1};
  // The last character's bits below the last whole byte must be zero.
  if (rest != 0) {
    const int unused_bits = rest == 2 ? 4 : 2;
    if ((b64_value(s.back()) & ((1 << unused_bits) - 1)) != 0) return {.bad = s.size() - 1};
  }
  return {.bytes = s.size() / 4 * 3 + (rest == 0 ? 0 : rest - 1)};
}

// Reads "KEY=DIGITS" at `at`; moves `at` past it.
std::optional<std::uint64_t> decimal_field(std::string_view h, std::size_t& at,
                                           std::string_view key) {
  if (h.substr(at, key.size()) != key || h.substr(at + key.size(), 1) != "=") return std::nullopt;
  std::size_t i = at + key.size() + 1;
  const std::size_t start = i;
  std::uint64_t v = 0;
  while (i < h.size() && h[i] >= '0' && h[i] <= '9' && i - start < 10) {
    v = v * 10 + static_cast<std::uint64_t>(h[i] - '0');
    ++i;
  }
  // No leading zero, as the encoding writes numbers (and libargon2 reads them).
  if (i == start || (h[start] == '0' && i - start > 1)) return std::nullopt;
  at = i;
  return v;
}

// 1-based column of byte `offset` in `line`, counting UTF-8 characters.
int column(std::string_view line, std::size_t offset) {
  int col = 1;
  for (std::size_t i = 0; i < offset && i < line.size(); ++i) {
    if ((static_cast<unsigned char>(line[i]) & 0xC0) != 0x80) ++col;
  }
  return col;
}

std::string quoted(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[u >> 4];
      out += kHex[u & 15];
    } else {
      out += c;
    }
  }
  return out + "\"";
}

}  // namespace

const AuthEntry* AuthFile::user(std::string_view name) const {
  for (const AuthEntry& u : users) {
    if (u.name == name) return &u;
  }
  return nullptr;
}

bool valid_auth_name(std::string_view name) {
  return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), name_char);
}

HashProblem check_argon2_hash(std::string_view h) {
  std::size_t at = 0;
  if (h.starts_with("$argon2id$")) {
    at = 10;
  } else if (h.starts_with("$argon2i$")) {
    at = 9;
  } else if (h.starts_with("$argon2d$")) {
    return {0, "argon2d is not meant for passwords: use argon2id, " + std::string(kFormHint)};
  } else {
    return {0, "the hash must be an Argon2 hash in its encoded form, " + std::string(kFormHint)};
  }
  if (h.substr(at, 5) != "v=19$") {
    return {at, "the Argon2 version must be v=19 (the current one), " + std::string(kFormHint)};
  }
  at += 5;
  const std::size_t costs_at = at;
  auto m = decimal_field(h, at, "m");
  std::optional<std::uint64_t> t, p;
  if (m && h.substr(at, 1) == ",") t = decimal_field(h, ++at, "t");
  if (t && h.substr(at, 1) == ",") p = decimal_field(h, ++at, "p");
  if (!p || h.substr(at, 1) != "$") {
    return {at, "expected the costs as m=MEMORY_KIB,t=PASSES,p=LANES then '$', " +
                    std::string(kFormHint)};
  }
  if (*p < 1 || *p > kMaxLanes) {
    return {costs_at, "p (lanes) must be from 1 to " + std::to_string(kMaxLanes)};
  }
  if (*m < 8 * *p || *m > kMaxMemoryKib) {
    return {costs_at, "m (memory in KiB) must be from 8 * p to " + std::to_string(kMaxMemoryKib) +
                          " (1 GiB)"};
  }
  if (*t < 1 || *t > kMaxTime) {
    return {costs_at, "t (passes) must be from 1 to " + std::to_string(kMaxTime)};
  }
  ++at;
  const std::size_t dollar = h.find('$', at);
  if (dollar == std::string_view::npos) {
    return {h.size(), "expected '$' and the hash after the salt, " + std::string(kFormHint)};
  }
  const std::string_view salt = h.substr(at, dollar - at);
  const Base64 s = check_base64(salt);
  if (s.bad != std::string_view::npos) {
    return {at + s.bad, "the salt must be unpadded base64 (A-Z a-z 0-9 + /)"};
  }
  if (s.bytes < 8) return {at, "the salt must be at least 8 bytes (11 base64 characters)"};
  at = dollar + 1;
  const std::string_view tag = h.substr(at);
  const Base64 d = check_base64(tag);
  if (d.bad != std::string_view::npos) {
    return {at + d.bad, "the hash must be unpadded base64 (A-Z a-z 0-9 + /)"};
  }
  if (d.bytes < 16 || d.bytes > 1024) {
    return {at, "the hash must be 16 to 1024 bytes (22 or more base64 characters)"};
  }
  return {};
}

Result<AuthFile> parse_auth_file(std::string_view text, const std::string& file_name) {
  AuthFile out;
  out.file = file_name;
  std::string errors;
  auto problem = [&](int line, int col, const std::string& message) {
    errors +=
        file_name + ":" + std::to_string(line) + ":" + std::to_string(col) + ": " + message + "\n";
  };
  std::map<std::string, int, std::less<>> user_lines, token_lines;
  int number = 0;
  while (!text.empty()) {
    ++number;
    const std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    // Trailing blanks and a CR from another system's editor are not part of the hash.
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r')) {
      line.remove_suffix(1);
    }
    const std::size_t first = line.find_first_not_of(" \t");
    if (first == std::string_view::npos || line[first] == '#') continue;
    if (first != 0) {
      problem(number, 1, "a line must not start with blanks");
      continue;
    }
    const bool token = line.starts_with(kTokenPrefix) && line.substr(kTokenPrefix.size(), 1) != "$";
    const std::size_t name_at = token ? kTokenPrefix.size() : 0;
    const std::size_t colon = line.find(':', name_at);
    if (colon == std::string_view::npos) {
      problem(number, column(line, line.size()),
              "expected ':' and a hash: a line is NAME:HASH (a user) or token:NAME:HASH (a "
              "bearer token); newswatch passwd NAME prints one");
      continue;
    }
    const std::string_view name = line.substr(name_at, colon - name_at);
    const std::string what = token ? "token" : "user";
    if (name.empty()) {
      problem(number, column(line, name_at), "the " + what + " has no name before ':'");
      continue;
    }
    if (!valid_auth_name(name)) {
      const auto bad = std::find_if_not(name.begin(), name.end(), name_char);
      problem(number, column(line, name_at + static_cast<std::size_t>(bad - name.begin())),
              "the " + what + " name " + quoted(name) +
                  (name.size() > 64 ? " is longer than 64 characters"
                                    : " may hold only letters, digits and . _ - @ +"));
      continue;
    }
    if (!token && name == "token") {
      problem(number, 1,
              "\"token\" cannot be a user name: a line token:NAME:HASH is a bearer token");
      continue;
    }
    const std::string_view hash = line.substr(colon + 1);
    if (const HashProblem hp = check_argon2_hash(hash); !hp.why.empty()) {
      problem(number, column(line, colon + 1 + hp.offset), hp.why);
      continue;
    }
    auto& seen = token ? token_lines : user_lines;
    if (auto it = seen.find(name); it != seen.end()) {
      problem(number, column(line, name_at),
              "the " + what + " " + quoted(name) + " is given twice (first on line " +
                  std::to_string(it->second) + ")");
      continue;
    }
    seen.emplace(std::string(name), number);
    (token ? out.tokens : out.users)
        .push_back(AuthEntry{.name = std::string(name), .hash = std::string(hash), .line = number});
  }
  if (errors.empty() && out.users.empty() && out.tokens.empty()) {
    problem(std::max(number, 1), 1,
            "no user or token: nobody could sign in (newswatch passwd NAME prints a line to add)");
  }
  if (!errors.empty()) {
    errors.pop_back();
    return fail(Errc::kInvalid, std::move(errors));
  }
  return out;
}

Result<AuthFile> load_auth_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return fail(Errc::kIo, "cannot read " + file.string() + ": " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return fail(Errc::kIo, "cannot read " + file.string());
  return parse_auth_file(text.str(), file.string());
}

}  // namespace nw
