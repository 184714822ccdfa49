// Shell-style file globbing for the `watchlists` key: '*', '?' and [...]
// classes match within one path component (fnmatch(3) rules, so a leading '.'
// must be matched explicitly). Pure function of the file system; any thread.
#pragma once

#include <filesystem>
#include <string_view>
#include <vector>

#include "feeds/error.h"

namespace nw {

// Regular files (symlinks followed) matching `pattern`, which is relative to
// `base` unless absolute. Returned paths are `base / <matched relative path>`
// (so they stay relative when base is), sorted, without duplicates. No match is
// an empty vector, not an error; an unreadable directory is Errc::kIo.
[[nodiscard]] Result<std::vector<std::filesystem::path>> expand_glob(
    const std::filesystem::path& base, std::string_view pattern);

}  // namespace nw
