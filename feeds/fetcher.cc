#include "feeds/fetcher.h"

#include <optional>
#include <utility>

namespace nw {

Result<FetchResponse> fetch_blocking(Fetcher& fetcher, FetchRequest request) {
  std::optional<Result<FetchResponse>> out;
  fetcher.submit(std::move(request), [&out](Result<FetchResponse> r) { out = std::move(r); });
  // Ends: every Fetcher runs each callback exactly once (the curl one bounds it
  // by its total timeout).
  while (!out) fetcher.run(std::chrono::seconds(1));
  return std::move(*out);
}

}  // namespace nw
