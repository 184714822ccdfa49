// The project-wide error value. Every fallible function returns Result<T>
// (std::expected<T, Error>); expected outcomes (a 304, a timeout, a feed that
// does not parse) are values, never exceptions. Error::message is written for
// the user who has to act on it: it names the file, URL or key involved.
#pragma once

#include <expected>
#include <string>
#include <utility>

namespace nw {

enum class Errc {
  kInvalid,      // bad config, bad query, bad argument
  kParse,        // input that could not be parsed
  kIo,           // file system, database
  kNetwork,      // DNS, connect, TLS, timeout, transfer aborted
  kTooLarge,     // a size cap was hit
  kUnsupported,  // e.g. a URL scheme other than http/https
  kInternal,
};

struct Error {
  Errc code = Errc::kInternal;
  std::string message;
};

template <class T>
using Result = std::expected<T, Error>;

[[nodiscard]] inline std::unexpected<Error> fail(Errc code, std::string message) {
  return std::unexpected(Error{code, std::move(message)});
}

}  // namespace nw
