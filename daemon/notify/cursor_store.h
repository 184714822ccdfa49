// Each channel's progress: the seq of the last alert it has delivered (or
// passed over as not meant for it), one small file per channel in
// `<state_dir>/cursors/<channel id>`. A save writes a temporary file, syncs
// it and renames it over the old one: after a crash the file holds the old
// value or the new one, never a torn one. Each channel's file is written by
// one thread at a time; different channels may be saved concurrently.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string_view>

#include "feeds/error.h"

namespace nw {

class CursorStore {
 public:
  explicit CursorStore(std::filesystem::path state_dir);

  // Creates <state_dir>/cursors (mode 0700) when missing.
  [[nodiscard]] Result<void> open() const;
  // nullopt: the channel has no cursor yet. An unreadable or garbled file is an error.
  [[nodiscard]] Result<std::optional<std::uint64_t>> load(std::string_view channel) const;
  // `sync`: fdatasync before the rename (after a delivery); without it the
  // value still survives the process being killed, not a power cut.
  [[nodiscard]] Result<void> save(std::string_view channel, std::uint64_t seq, bool sync) const;

  std::filesystem::path file(std::string_view channel) const;

 private:
  std::filesystem::path dir_;
};

}  // namespace nw
