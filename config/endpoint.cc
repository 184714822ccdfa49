#include "config/endpoint.h"

#include <arpa/inet.h>
#include <sys/un.h>

#include <algorithm>
#include <charconv>

namespace nw {
namespace {

constexpr std::string_view kExample =
    " (like \"tcp://127.0.0.1:5556\" or \"ipc:///run/newswatch/alerts.sock\")";

bool ipv4(const std::string& s) {
  in_addr a;
  return inet_pton(AF_INET, s.c_str(), &a) == 1;
}
bool ipv6(const std::string& s) {
  in6_addr a;
  return inet_pton(AF_INET6, s.c_str(), &a) == 1;
}
// Interface names as the kernel allows them (IFNAMSIZ, no '/', ':' or spaces);
// digits and dots alone would be a mistyped IPv4 address.
bool interface_name(std::string_view s) {
  if (s.empty() || s.size() > 15) return false;
  const bool chars_ok = std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.';
  });
  const bool numeric =
      std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || c == '.'; });
  return chars_ok && !numeric;
}

}  // namespace

Result<BindEndpoint> parse_bind_endpoint(std::string_view text) {
  auto bad = [&](std::string why) { return fail(Errc::kInvalid, std::move(why)); };
  const std::size_t sep = text.find("://");
  if (sep == std::string_view::npos) {
    return bad("\"" + std::string(text) + "\" is not a ZeroMQ endpoint" + std::string(kExample));
  }
  const std::string_view transport = text.substr(0, sep);
  const std::string_view rest = text.substr(sep + 3);
  BindEndpoint e;
  if (transport == "ipc" || transport == "inproc") {
    e.transport =
        transport == "ipc" ? BindEndpoint::Transport::kIpc : BindEndpoint::Transport::kInproc;
    if (rest.empty())
      return bad(std::string(transport) + ":// needs a " + (transport == "ipc" ? "path" : "name") +
                 std::string(kExample));
    if (e.transport == BindEndpoint::Transport::kIpc &&
        rest.size() >= sizeof(sockaddr_un::sun_path)) {
      return bad("the ipc:// path is " + std::to_string(rest.size()) +
                 " bytes long; a Unix socket path has at most " +
                 std::to_string(sizeof(sockaddr_un::sun_path) - 1));
    }
    e.host = rest;
    return e;
  }
  if (transport != "tcp") {
    return bad("unsupported transport \"" + std::string(transport) +
               "://\"; the daemon binds tcp:// or ipc://" + std::string(kExample));
  }
  const std::size_t colon = rest.rfind(':');
  if (colon == std::string_view::npos) {
    return bad("\"" + std::string(text) + "\" has no port" + std::string(kExample));
  }
  const std::string_view host = rest.substr(0, colon);
  const std::string_view port = rest.substr(colon + 1);
  unsigned long n = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), n);
  if (port.empty() || ec != std::errc() || end != port.data() + port.size() || n < 1 || n > 65535) {
    return bad("port \"" + std::string(port) + "\" in \"" + std::string(text) +
               "\" is not a number from 1 to 65535");
  }
  e.port = static_cast<std::uint16_t>(n);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    e.host = host.substr(1, host.size() - 2);
    if (!ipv6(e.host)) {
      return bad("\"" + std::string(host) + "\" in \"" + std::string(text) +
                 "\" is not an IPv6 address");
    }
    return e;
  }
  e.host = host;
  if (host == "*" || ipv4(e.host) || interface_name(host)) return e;
  if (ipv6(e.host)) {
    return bad("an IPv6 address goes in brackets: \"tcp://[" + e.host + "]:" + std::string(port) +
               "\"");
  }
  return bad("\"" + std::string(host) + "\" in \"" + std::string(text) +
             "\" is not an IP address, \"*\" or a network interface name");
}

std::optional<BindEndpoint> parse_host_port(std::string_view text) {
  const std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return std::nullopt;
  const std::string_view port = text.substr(colon + 1);
  unsigned long n = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), n);
  if (port.empty() || ec != std::errc() || end != port.data() + port.size() || n > 65535)
    return std::nullopt;
  std::string_view host = text.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  return BindEndpoint{.transport = BindEndpoint::Transport::kTcp,
                      .host = std::string(host),
                      .port = static_cast<std::uint16_t>(n)};
}

bool is_loopback_host(std::string_view host) {
  return host == "localhost" || host == "::1" || host == "0:0:0:0:0:0:0:1" ||
         (host.starts_with("127.") && ipv4(std::string(host)));
}

std::string default_replay_endpoint(std::string_view endpoint) {
  if (!endpoint.starts_with("tcp://")) return {};
  const auto colon = endpoint.rfind(':');
  if (colon < 6) return {};
  const std::string_view digits = endpoint.substr(colon + 1);
  unsigned port = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
  if (ec != std::errc() || end != digits.data() + digits.size() || port == 0 || port >= 65535) {
    return {};
  }
  return std::string(endpoint.substr(0, colon + 1)) + std::to_string(port + 1);
}

}  // namespace nw
