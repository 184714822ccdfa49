// CURVE keys and the ZAP handler (daemon/curve.h), on libzmq's own CURVE.
#include "daemon/curve.h"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <thread>
#include <zmq.hpp>
#include <zmq_addon.hpp>

namespace nw {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kZ85KeyLength = 40;
constexpr const char* kZapEndpoint = "inproc://zeromq.zap.01";
constexpr const char* kZapDomain = "newswatch";

bool is_z85_key(std::string_view key) {
  if (key.size() != kZ85KeyLength) return false;
  std::array<std::uint8_t, 32> raw{};
  const std::string copy(key);
  return zmq_z85_decode(raw.data(), copy.c_str()) != nullptr;
}

std::string z85_of(const zmq::message_t& binary_key) {
  if (binary_key.size() != 32) return {};
  char text[kZ85KeyLength + 1] = {};
  zmq_z85_encode(text, static_cast<const std::uint8_t*>(binary_key.data()), 32);
  return text;
}

class Authenticator final : public ZapAuthenticator {
 public:
  Authenticator(zmq::context_t& context, fs::path dir)
      : socket_(context, zmq::socket_type::rep), dir_(std::move(dir)) {}

  Result<void> bind() {
    try {
      socket_.set(zmq::sockopt::linger, 0);
      socket_.bind(kZapEndpoint);
    } catch (const zmq::error_t& e) {
      return fail(Errc::kIo, std::string("cannot start the CURVE authenticator: ") + e.what());
    }
    if (!fs::is_directory(dir_)) {
      return fail(Errc::kIo, "curve_authorized_keys_dir " + dir_.string() + " is not a folder");
    }
    spdlog::info("CURVE on: {} authorized client keys in {}", authorized().size(), dir_.string());
    thread_ = std::jthread([this](std::stop_token st) { run(st); });
    return {};
  }

 private:
  std::set<std::string> authorized() const {
    std::set<std::string> keys;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir_, ec)) {
      if (!entry.is_regular_file() || entry.path().filename().string().starts_with('.')) continue;
      if (auto key = read_curve_key(entry.path())) keys.insert(*key);
    }
    return keys;
  }

  void run(std::stop_token st) {
    zmq::pollitem_t item{socket_.handle(), 0, ZMQ_POLLIN, 0};
    while (!st.stop_requested()) {
      try {
        if (zmq::poll(&item, 1, std::chrono::milliseconds(100)) == 0) continue;
        std::vector<zmq::message_t> request;
        if (!zmq::recv_multipart(socket_, std::back_inserter(request))) continue;
        answer(request);
      } catch (const zmq::error_t& e) {
        if (e.num() == ETERM) return;
        spdlog::error("CURVE authenticator: {}", e.what());
      }
    }
  }

  // ZAP 1.0 (RFC 27): version, request id, domain, address, identity,
  // mechanism, credentials...; the reply: version, request id, status code,
  // status text, user id, metadata.
  void answer(const std::vector<zmq::message_t>& request) {
    std::string request_id = request.size() > 1 ? request[1].to_string() : "";
    std::string code = "400";
    std::string text = "malformed ZAP request";
    std::string user;
    if (request.size() >= 7 && request[0].to_string_view() == "1.0" &&
        request[5].to_string_view() == "CURVE") {
      const std::string key = z85_of(request[6]);
      const std::string address = request[3].to_string();
      if (!key.empty() && authorized().contains(key)) {
        code = "200";
        text = "OK";
        user = key;
      } else {
        text = "unknown client key";
        log_refusal(key, address);
      }
    } else if (request.size() >= 6) {
      text = "CURVE is required";
      log_refusal("(no CURVE key)", request[3].to_string());
    }
    std::array<zmq::const_buffer, 6> reply = {zmq::buffer(std::string_view("1.0")),
                                              zmq::buffer(request_id),
                                              zmq::buffer(code),
                                              zmq::buffer(text),
                                              zmq::buffer(user),
                                              zmq::const_buffer()};
    zmq::send_multipart(socket_, reply);
  }

  void log_refusal(const std::string& key, const std::string& address) {
    const auto now = std::chrono::steady_clock::now();
    auto& last = last_logged_[key + " " + address];
    if (last != std::chrono::steady_clock::time_point{} && now - last < std::chrono::minutes(1))
      return;
    last = now;
    spdlog::warn("refused a ZeroMQ client from {} with key {}: not in {}",
                 address.empty() ? "?" : address, key, dir_.string());
  }

  zmq::socket_t socket_;
  fs::path dir_;
  std::map<std::string, std::chrono::steady_clock::time_point> last_logged_;
  std::jthread thread_;  // last: stops and joins before the socket closes
};

}  // namespace

Result<CurveKeyPair> generate_curve_key_pair() {
  char pub[kZ85KeyLength + 1] = {};
  char sec[kZ85KeyLength + 1] = {};
  if (zmq_curve_keypair(pub, sec) != 0) {
    return fail(Errc::kUnsupported,
                std::string("cannot make a CURVE key pair: ") + zmq_strerror(zmq_errno()));
  }
  return CurveKeyPair{pub, sec};
}

Result<std::string> read_curve_key(const fs::path& file) {
  std::ifstream in(file);
  if (!in)
    return fail(Errc::kIo, "cannot read key file " + file.string() + ": " + std::strerror(errno));
  std::string line;
  while (std::getline(in, line)) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t'))
      line.pop_back();
    const auto start = line.find_first_not_of(" \t");
    if (start == std::string::npos || line[start] == '#') continue;
    line.erase(0, start);
    if (!is_z85_key(line)) {
      return fail(Errc::kInvalid, "key file " + file.string() +
                                      ": expected a 40-character Z85 CURVE key (as written by "
                                      "`newswatch keygen`), found \"" +
                                      line.substr(0, 60) + "\"");
    }
    return line;
  }
  return fail(Errc::kInvalid, "key file " + file.string() + " holds no key");
}

Result<std::string> curve_public_key(std::string_view secret_key) {
  if (!is_z85_key(secret_key)) return fail(Errc::kInvalid, "not a Z85 CURVE secret key");
  char pub[kZ85KeyLength + 1] = {};
  const std::string sec(secret_key);
  if (zmq_curve_public(pub, sec.c_str()) != 0) {
    return fail(Errc::kInvalid,
                "not a CURVE secret key: " + std::string(zmq_strerror(zmq_errno())));
  }
  return std::string(pub);
}

Result<void> write_curve_key_pair(const fs::path& base, const CurveKeyPair& keys) {
  const fs::path secret = fs::path(base.string() + ".key");
  const fs::path pub = fs::path(base.string() + ".pub");
  for (const auto& p : {secret, pub}) {
    if (fs::exists(p)) return fail(Errc::kIo, p.string() + " exists; not overwriting it");
  }
  auto write = [](const fs::path& p, const std::string& text, fs::perms perms) -> Result<void> {
    std::ofstream out(p, std::ios::trunc);
    if (!out) return fail(Errc::kIo, "cannot write " + p.string() + ": " + std::strerror(errno));
    std::error_code ec;
    fs::permissions(p, perms, ec);  // before the secret goes in
    out << text;
    out.close();
    if (!out || ec) return fail(Errc::kIo, "cannot write " + p.string());
    return {};
  };
  if (auto r =
          write(secret, "# newswatch CURVE secret key: keep it private\n" + keys.secret_key + "\n",
                fs::perms::owner_read | fs::perms::owner_write);
      !r)
    return r;
  return write(pub, "# newswatch CURVE public key\n" + keys.public_key + "\n",
               fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                   fs::perms::others_read);
}

void make_curve_server(zmq::socket_t& socket, std::string_view secret_key) {
  socket.set(zmq::sockopt::curve_server, true);
  socket.set(zmq::sockopt::curve_secretkey, secret_key);
  socket.set(zmq::sockopt::zap_domain, kZapDomain);
}

void make_curve_client(zmq::socket_t& socket, const CurveKeyPair& own,
                       std::string_view server_public_key) {
  socket.set(zmq::sockopt::curve_serverkey, server_public_key);
  socket.set(zmq::sockopt::curve_publickey, own.public_key);
  socket.set(zmq::sockopt::curve_secretkey, own.secret_key);
}

Result<std::unique_ptr<ZapAuthenticator>> ZapAuthenticator::start(zmq::context_t& context,
                                                                  fs::path authorized_keys_dir) {
  auto auth = std::make_unique<Authenticator>(context, std::move(authorized_keys_dir));
  if (auto r = auth->bind(); !r) return std::unexpected(r.error());
  return auth;
}

}  // namespace nw
