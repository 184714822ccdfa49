// Checks daemon/expected_compat.h, the std::expected stand-in that only the
// clang-14 fuzz build compiles (GCC has the real one, and this program passes
// against it too). Plain main(): the fuzz build links no gtest. Exit 0 = pass.
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "daemon/error.h"

namespace {

int failures = 0;

#define CHECK(cond)                                                                 \
  do {                                                                              \
    if (!(cond)) {                                                                  \
      std::fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
      ++failures;                                                                   \
    }                                                                               \
  } while (0)

using nw::Errc;
using nw::Error;
using nw::Result;

// The traits the tree relies on: move-only payloads stay move-only, and
// Result<T> is nothrow-movable so vectors of it move, not copy.
static_assert(!std::is_copy_constructible_v<Result<std::unique_ptr<int>>>);
static_assert(std::is_move_constructible_v<Result<std::unique_ptr<int>>>);
static_assert(std::is_nothrow_move_constructible_v<Result<std::string>>);
static_assert(std::is_copy_constructible_v<Result<std::string>>);
static_assert(std::is_copy_constructible_v<Result<void>>);
static_assert(std::is_convertible_v<std::string, Result<std::string>>);
static_assert(std::is_convertible_v<const char*, Result<std::string>>);
static_assert(!std::is_convertible_v<int, Result<std::vector<int>>>);  // explicit vector(size_t)
static_assert(std::is_constructible_v<Result<std::vector<int>>, int>);

struct Point {
  int x = 0;
  int y = 0;
};

Result<int> parse_digit(char c) {
  if (c < '0' || c > '9') return nw::fail(Errc::kParse, std::string("not a digit: ") + c);
  return c - '0';
}

Result<Point> make_point(bool ok) {
  if (!ok) return nw::fail(Errc::kInvalid, "no point");
  return {{.x = 1, .y = 2}};
}

Result<void> check_positive(int v) {
  if (v <= 0) return std::unexpected(Error{Errc::kInvalid, "not positive"});
  return {};
}

Result<std::unique_ptr<int>> boxed(int v) { return std::make_unique<int>(v); }

Result<int> forward_error(char c) {
  auto r = parse_digit(c);
  if (!r) return std::unexpected(r.error());
  return *r * 10;
}

}  // namespace

int main() {
  // Values, errors, observers.
  Result<int> seven = parse_digit('7');
  CHECK(seven.has_value() && seven && *seven == 7 && seven.value() == 7);
  Result<int> bad = parse_digit('x');
  CHECK(!bad && !bad.has_value());
  CHECK(bad.error().code == Errc::kParse && bad.error().message == "not a digit: x");
  CHECK(bad.value_or(-1) == -1 && seven.value_or(-1) == 7);
  bool threw = false;
  try {
    (void)bad.value();
  } catch (const std::bad_expected_access<Error>& e) {
    threw = e.error().code == Errc::kParse;
  }
  CHECK(threw);
  CHECK(forward_error('3').value_or(0) == 30 &&
        forward_error('?').error().message == "not a digit: ?");

  // Aggregates, ->, designated initializers through U = T.
  auto p = make_point(true);
  CHECK(p && p->x == 1 && p->y == 2);
  CHECK(!make_point(false) && make_point(false).error().code == Errc::kInvalid);

  // Result<void>.
  CHECK(check_positive(1).has_value());
  auto neg = check_positive(-1);
  CHECK(!neg && neg.error().message == "not positive");
  Result<void> v = neg;  // copy
  CHECK(!v);
  v = Result<void>{};
  CHECK(v.has_value());

  // Move-only payloads, rvalue observers.
  auto b = boxed(5);
  CHECK(b && **b == 5);
  std::unique_ptr<int> owned = *std::move(b);
  CHECK(owned && *owned == 5);
  Result<std::unique_ptr<int>> moved = boxed(6);
  Result<std::unique_ptr<int>> target = std::move(moved);
  CHECK(target && **target == 6);

  // Copies and assignments across the two states.
  Result<std::string> s = std::string("abc");
  Result<std::string> t = nw::fail(Errc::kIo, "disk");
  t = s;
  CHECK(t && *t == "abc");
  s = nw::fail(Errc::kNetwork, "down");
  CHECK(!s && s.error().code == Errc::kNetwork);
  s = "again";
  CHECK(s && *s == "again");
  std::vector<Result<std::string>> many;
  for (int i = 0; i < 100; ++i)
    many.push_back(i % 2 ? Result<std::string>(std::to_string(i))
                         : Result<std::string>(nw::fail(Errc::kParse, "odd")));
  CHECK(many[3] && *many[3] == "3" && !many[4]);

  // std::expected<T, E> with a non-Error E, as sqlite_store.cc uses.
  std::expected<bool, int> step = std::unexpected(5);
  CHECK(!step && step.error() == 5);
  step = true;
  CHECK(step && *step);

  // unexpect / in_place construction, emplace, comparisons.
  std::expected<std::string, int> u(std::unexpect, 42);
  CHECK(!u && u.error() == 42);
  std::expected<std::string, int> ip(std::in_place, 3, 'z');
  CHECK(ip && *ip == "zzz");
  u.emplace(std::string("ok"));
  CHECK(u && *u == "ok" && u == std::string("ok") && !(u == std::unexpected(42)));

  if (failures) {
    std::fprintf(stderr, "%d check(s) failed\n", failures);
    return 1;
  }
  std::puts("expected_compat: all checks passed");
  return 0;
}
