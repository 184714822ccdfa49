// ZeroMQ endpoints the daemon binds ([publish] endpoint), checked by their
// syntax alone: what ZeroMQ would refuse at bind time is an error while the
// config loads, with the key's position. Whether the address is free is
// daemon/preflight.h's business. Pure functions; any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "feeds/error.h"

namespace nw {

struct BindEndpoint {
  enum class Transport { kTcp, kIpc, kInproc };
  Transport transport = Transport::kTcp;
  // tcp: "*", an IPv4 address, an IPv6 address (without its brackets) or a
  // network interface name; ipc: the socket's path; inproc: the name.
  std::string host;
  std::uint16_t port = 0;  // tcp only
};

// "tcp://127.0.0.1:5556", "tcp://*:5556", "tcp://[::1]:5556", "tcp://eth0:5556",
// "ipc:///run/newswatch/alerts.sock", "inproc://name". A tcp port is a number
// from 1 to 65535 (subscribers must know it, so no "*"); ZeroMQ resolves no
// host names when it binds, but a name may be an interface's (checked later).
// The error message says what is wrong and shows a valid example.
[[nodiscard]] Result<BindEndpoint> parse_bind_endpoint(std::string_view text);

// "127.0.0.1:9464", "[::1]:9464", "localhost:0": an HTTP server's host:port
// ([metrics] endpoint). The host is not empty (brackets removed), the port a
// number from 0 (any free port) to 65535. nullopt otherwise; callers word the
// error for their key.
[[nodiscard]] std::optional<BindEndpoint> parse_host_port(std::string_view text);

// "localhost", 127.0.0.0/8 and "::1": only this machine can connect.
[[nodiscard]] bool is_loopback_host(std::string_view host);

// The replay endpoint that goes with a tcp:// publish endpoint: the same host,
// the next port (tcp://host:P -> tcp://host:P+1, the default pair 5556/5557).
// Both the daemon's default [publish] replay_endpoint and `newswatch
// subscribe`'s default. "" for other transports and for port 65535.
std::string default_replay_endpoint(std::string_view endpoint);

}  // namespace nw
