// CURVE security for the daemon's ZeroMQ sockets: key pairs as small text files,
// server and client socket set-up, and the ZAP handler that admits only the
// clients whose public key is a file in the authorized-keys folder.
// Keys are Z85 text, 40 characters. A key file holds one key on its first line
// that is neither empty nor a '#' comment.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "feeds/error.h"

namespace zmq {
class context_t;
class socket_t;
}  // namespace zmq

namespace nw {

struct CurveKeyPair {
  std::string public_key;  // Z85
  std::string secret_key;  // Z85
};

[[nodiscard]] Result<CurveKeyPair> generate_curve_key_pair();
// Reads one Z85 key from `file`. The message names the file on failure.
[[nodiscard]] Result<std::string> read_curve_key(const std::filesystem::path& file);
// The public key that belongs to a Z85 secret key.
[[nodiscard]] Result<std::string> curve_public_key(std::string_view secret_key);
// Writes `base`.key (the secret key, mode 0600) and `base`.pub (the public key);
// refuses to overwrite either.
[[nodiscard]] Result<void> write_curve_key_pair(const std::filesystem::path& base,
                                                const CurveKeyPair& keys);

// Makes `socket` a CURVE server in the ZAP domain the authenticator serves.
// Throws zmq::error_t (callers bind right after and report both alike).
void make_curve_server(zmq::socket_t& socket, std::string_view secret_key);
// Makes `socket` a CURVE client of the server with `server_public_key`.
void make_curve_client(zmq::socket_t& socket, const CurveKeyPair& own,
                       std::string_view server_public_key);

// Answers ZeroMQ's ZAP requests for `context` from its own thread: a CURVE
// client is admitted when its public key is in one of the files of
// `authorized_keys_dir` (read again on every connection, so adding a file needs
// no restart). A refused client is logged once per key and address per minute.
// Must be destroyed before `context`.
class ZapAuthenticator {
 public:
  [[nodiscard]] static Result<std::unique_ptr<ZapAuthenticator>> start(
      zmq::context_t& context, std::filesystem::path authorized_keys_dir);
  virtual ~ZapAuthenticator() = default;
};

}  // namespace nw
