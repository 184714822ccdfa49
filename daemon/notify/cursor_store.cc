// Per-channel cursors in files (daemon/notify/cursor_store.h).
#include "daemon/notify/cursor_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <string>

#include "daemon/alert.h"  // parse_seq

namespace nw {

namespace fs = std::filesystem;

CursorStore::CursorStore(fs::path state_dir) : dir_(std::move(state_dir) / "cursors") {}

fs::path CursorStore::file(std::string_view channel) const { return dir_ / std::string(channel); }

Result<void> CursorStore::open() const {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) return fail(Errc::kIo, "cannot create " + dir_.string() + ": " + ec.message());
  fs::permissions(dir_, fs::perms::owner_all, fs::perm_options::replace, ec);
  return {};
}

Result<std::optional<std::uint64_t>> CursorStore::load(std::string_view channel) const {
  const fs::path path = file(channel);
  std::error_code ec;
  if (!fs::exists(path, ec)) return std::optional<std::uint64_t>();
  std::ifstream in(path);
  std::string line;
  if (!in || !std::getline(in, line)) {
    return fail(Errc::kIo, "cannot read cursor file " + path.string());
  }
  const auto seq = parse_seq(line);
  if (!seq) {
    return fail(Errc::kParse, "cursor file " + path.string() +
                                  " does not hold a seq (a decimal number): \"" +
                                  line.substr(0, 40) + "\"; remove it to start that channel anew");
  }
  return std::optional<std::uint64_t>(*seq);
}

Result<void> CursorStore::save(std::string_view channel, std::uint64_t seq, bool sync) const {
  const fs::path path = file(channel);
  const std::string tmp = path.string() + ".tmp";
  const std::string text = std::to_string(seq) + "\n";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return fail(Errc::kIo, "cannot write " + tmp + ": " + std::strerror(errno));
  const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  const int saved_errno = errno;
  const bool synced = !sync || ::fdatasync(fd) == 0;
  ::close(fd);
  if (!written || !synced) {
    return fail(Errc::kIo, "cannot write " + tmp + ": " + std::strerror(saved_errno));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    return fail(Errc::kIo, "cannot write " + path.string() + ": " + std::strerror(errno));
  }
  return {};
}

}  // namespace nw
