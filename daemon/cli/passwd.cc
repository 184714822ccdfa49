// `newswatch passwd`: a line for the `[web] auth_file` (daemon/auth_file.h), so
// that no other tool is needed: NAME:HASH of a password read from stdin (asked
// twice, without echo, on a terminal), or with --token a new bearer token
// (printed on stderr, once) and its token:NAME:HASH line.
#include <termios.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "daemon/auth_file.h"
#include "daemon/cli/command.h"
#include "daemon/password_hash.h"

namespace nw::cli {
namespace {

struct PasswdOptions {
  std::string name;
  bool token = false;
};

// One line of stdin, without its end; on a terminal, prompted and not echoed.
std::optional<std::string> read_secret(const char* prompt) {
  const bool tty = ::isatty(STDIN_FILENO) == 1;
  termios saved{};
  if (tty) {
    std::cerr << prompt << std::flush;
    ::tcgetattr(STDIN_FILENO, &saved);
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  std::string line;
  const bool got = static_cast<bool>(std::getline(std::cin, line));
  if (tty) {
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
    std::cerr << "\n";
  }
  if (!got && line.empty()) return std::nullopt;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

int run_passwd(const PasswdOptions& o) {
  if (!valid_auth_name(o.name) || (!o.token && o.name == "token")) {
    std::cerr << "newswatch passwd: the name \"" << o.name
              << "\" may hold only 1 to 64 letters, digits and . _ - @ +"
              << (o.name == "token" ? ", and \"token\" is taken by token lines" : "") << "\n";
    return 1;
  }
  std::string secret;
  if (o.token) {
    auto t = random_token();
    if (!t) {
      std::cerr << "newswatch passwd: " << t.error().message << "\n";
      return 1;
    }
    secret = std::move(*t);
  } else {
    auto password = read_secret("Password: ");
    if (!password || password->empty()) {
      std::cerr << "newswatch passwd: no password on stdin\n";
      return 1;
    }
    if (::isatty(STDIN_FILENO) == 1) {
      auto again = read_secret("Again: ");
      if (!again || *again != *password) {
        std::cerr << "newswatch passwd: the passwords differ\n";
        return 1;
      }
    }
    secret = std::move(*password);
  }
  auto hash = hash_password(secret);
  if (!hash) {
    std::cerr << "newswatch passwd: " << hash.error().message << "\n";
    return 1;
  }
  const std::string line = (o.token ? "token:" : "") + o.name + ":" + *hash;
  // What the daemon would read: this line must parse.
  if (auto parsed = parse_auth_file(line + "\n", "(the new line)"); !parsed) {
    std::cerr << "newswatch passwd: " << parsed.error().message << "\n";
    return 1;
  }
  if (o.token) {
    std::cerr << "token for " << o.name << " (give it to the client; only its hash is kept):\n"
              << secret << "\n";
  }
  std::cout << line << "\n";
  return 0;
}

}  // namespace

Run setup_passwd(CLI::App& app) {
  auto o = std::make_shared<PasswdOptions>();
  app.add_option("name", o->name, "the user's name (or the token's, with --token)")->required();
  app.add_flag("--token", o->token,
               "make a new bearer token instead: printed on stderr, its line on stdout");
  return [o] { return run_passwd(*o); };
}

}  // namespace nw::cli
