#include "config/glob.h"

#include <fnmatch.h>

#include <algorithm>
#include <string>
#include <system_error>

namespace nw {
namespace {

namespace fs = std::filesystem;

bool has_wildcard(const std::string& component) {
  return component.find_first_of("*?[") != std::string::npos;
}

// Where to look on disk for a candidate path: "" is the current directory.
fs::path on_disk(const fs::path& p) { return p.empty() ? fs::path(".") : p; }

}  // namespace

Result<std::vector<fs::path>> expand_glob(const fs::path& base, std::string_view pattern) {
  const fs::path pat{std::string(pattern)};
  std::vector<fs::path> candidates{pat.is_absolute() ? pat.root_path() : base};

  for (const fs::path& part : pat.relative_path()) {
    const std::string component = part.string();
    if (component.empty()) continue;  // a trailing '/'
    std::vector<fs::path> next;
    for (const fs::path& dir : candidates) {
      if (!has_wildcard(component)) {
        next.push_back(dir / part);
        continue;
      }
      std::error_code ec;
      if (!fs::is_directory(on_disk(dir), ec)) continue;
      fs::directory_iterator it(on_disk(dir), ec), end;
      if (ec) {
        return fail(Errc::kIo,
                    "cannot list directory '" + on_disk(dir).string() + "': " + ec.message());
      }
      for (; it != end; it.increment(ec)) {
        if (ec) break;
        const std::string name = it->path().filename().string();
        if (fnmatch(component.c_str(), name.c_str(), FNM_PERIOD) == 0) {
          next.push_back(dir / name);
        }
      }
      if (ec) {
        return fail(Errc::kIo,
                    "cannot list directory '" + on_disk(dir).string() + "': " + ec.message());
      }
    }
    candidates = std::move(next);
  }

  std::vector<fs::path> files;
  for (fs::path& p : candidates) {
    std::error_code ec;
    if (fs::is_regular_file(on_disk(p), ec)) files.push_back(std::move(p));
  }
  std::sort(files.begin(), files.end());
  files.erase(std::unique(files.begin(), files.end()), files.end());
  return files;
}

}  // namespace nw
