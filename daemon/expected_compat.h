// std::expected for a standard library that lacks it: Debian 12's clang 14 on
// GCC 12's libstdc++ (its <expected> needs P0848, which clang 14 lacks). Only
// daemon/error.h includes this, and only when __cpp_lib_expected is undefined,
// so GCC builds never see it. The subset of C++23 the tree uses, over
// std::variant (which brings the right copy/move/destroy and their traits).
// No monadic operations (and_then, transform, error_or): GCC 12 lacks them too.
// Stricter than the standard on purpose: operator* / -> / error() on the wrong
// alternative abort with a message instead of being undefined behaviour, so the
// fuzz build (the only user) reports such misuse as a crash.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <initializer_list>
#include <type_traits>
#include <utility>
#include <variant>

namespace std {

template <class E>
class unexpected;
template <class T, class E>
class expected;

namespace nw_compat {

template <class T>
struct is_unexpected : false_type {};
template <class E>
struct is_unexpected<unexpected<E>> : true_type {};
template <class T>
struct is_expected : false_type {};
template <class T, class E>
struct is_expected<expected<T, E>> : true_type {};

[[noreturn]] inline void bad_access(const char* what) {
  std::fprintf(stderr, "expected_compat: %s\n", what);
  std::abort();
}

}  // namespace nw_compat

template <class E>
class bad_expected_access;

template <>
class bad_expected_access<void> : public exception {
 public:
  const char* what() const noexcept override {
    return "bad access to std::expected without expected value";
  }
};

template <class E>
class bad_expected_access : public bad_expected_access<void> {
 public:
  explicit bad_expected_access(E e) : e_(std::move(e)) {}
  E& error() & noexcept { return e_; }
  const E& error() const& noexcept { return e_; }
  E&& error() && noexcept { return std::move(e_); }
  const E&& error() const&& noexcept { return std::move(e_); }

 private:
  E e_;
};

struct unexpect_t {
  explicit unexpect_t() = default;
};
inline constexpr unexpect_t unexpect{};

template <class E>
class unexpected {
 public:
  template <class Err = E>
  requires(!is_same_v<remove_cvref_t<Err>, unexpected> &&
           !is_same_v<remove_cvref_t<Err>, in_place_t> &&
           is_constructible_v<E, Err>) constexpr explicit unexpected(Err&& e)
      : e_(std::forward<Err>(e)) {}
  template <class... Args>
  requires is_constructible_v<E, Args...>
  constexpr explicit unexpected(in_place_t, Args&&... args) : e_(std::forward<Args>(args)...) {}
  constexpr unexpected(const unexpected&) = default;
  constexpr unexpected(unexpected&&) = default;
  constexpr unexpected& operator=(const unexpected&) = default;
  constexpr unexpected& operator=(unexpected&&) = default;

  constexpr E& error() & noexcept { return e_; }
  constexpr const E& error() const& noexcept { return e_; }
  constexpr E&& error() && noexcept { return std::move(e_); }
  constexpr const E&& error() const&& noexcept { return std::move(e_); }

  template <class E2>
  friend constexpr bool operator==(const unexpected& x, const unexpected<E2>& y) {
    return x.error() == y.error();
  }

 private:
  E e_;
};

template <class E>
unexpected(E) -> unexpected<E>;

template <class T, class E>
class expected {
  template <class U, class G>
  friend class expected;
  using Unex = unexpected<E>;

 public:
  using value_type = T;
  using error_type = E;
  using unexpected_type = unexpected<E>;
  template <class U>
  using rebind = expected<U, error_type>;

  constexpr expected() requires is_default_constructible_v<T> : v_(in_place_index<0>) {}
  constexpr expected(const expected&) = default;
  constexpr expected(expected&&) = default;

  template <class U = T>
  requires(!is_same_v<remove_cvref_t<U>, in_place_t> && !is_same_v<remove_cvref_t<U>, expected> &&
           !nw_compat::is_unexpected<remove_cvref_t<U>>::value &&
           !is_same_v<remove_cvref_t<U>, unexpect_t> && is_constructible_v<T, U> &&
           (!is_same_v<remove_cv_t<T>, bool> ||
            !nw_compat::is_expected<
                remove_cvref_t<U>>::value)) constexpr explicit(!is_convertible_v<U, T>)
      expected(U&& v)
      : v_(in_place_index<0>, std::forward<U>(v)) {}

  template <class U, class G>
  requires(!is_same_v<expected<U, G>, expected> && is_constructible_v<T, const U&> &&
           is_constructible_v<E, const G&>) constexpr explicit(!is_convertible_v<const U&, T> ||
                                                               !is_convertible_v<const G&, E>)
      expected(const expected<U, G>& o)
      : v_(o.has_value() ? V(in_place_index<0>, *o) : V(in_place_index<1>, Unex(o.error()))) {}
  template <class U, class G>
  requires(!is_same_v<expected<U, G>, expected> && is_constructible_v<T, U> &&
           is_constructible_v<E, G>) constexpr explicit(!is_convertible_v<U, T> ||
                                                        !is_convertible_v<G, E>)
      expected(expected<U, G>&& o)
      : v_(o.has_value() ? V(in_place_index<0>, std::move(*o))
                         : V(in_place_index<1>, Unex(std::move(o.error())))) {}

  template <class G>
  requires is_constructible_v<E, const G&>
  constexpr explicit(!is_convertible_v<const G&, E>) expected(const unexpected<G>& u)
      : v_(in_place_index<1>, Unex(u.error())) {}
  template <class G>
  requires is_constructible_v<E, G>
  constexpr explicit(!is_convertible_v<G, E>) expected(unexpected<G>&& u)
      : v_(in_place_index<1>, Unex(std::move(u.error()))) {}

  template <class... Args>
  requires is_constructible_v<T, Args...>
  constexpr explicit expected(in_place_t, Args&&... args)
      : v_(in_place_index<0>, std::forward<Args>(args)...) {}
  template <class... Args>
  requires is_constructible_v<E, Args...>
  constexpr explicit expected(unexpect_t, Args&&... args)
      : v_(in_place_index<1>, Unex(in_place, std::forward<Args>(args)...)) {}

  constexpr expected& operator=(const expected&) = default;
  constexpr expected& operator=(expected&&) = default;
  template <class U = T>
  requires(!is_same_v<remove_cvref_t<U>, expected> &&
           !nw_compat::is_unexpected<remove_cvref_t<U>>::value && is_constructible_v<T, U> &&
           is_assignable_v<T&, U>) constexpr expected&
  operator=(U&& v) {
    if (has_value()) {
      std::get<0>(v_) = std::forward<U>(v);
    } else {
      v_.template emplace<0>(std::forward<U>(v));
    }
    return *this;
  }
  template <class G>
  constexpr expected& operator=(const unexpected<G>& u) {
    v_.template emplace<1>(Unex(u.error()));
    return *this;
  }
  template <class G>
  constexpr expected& operator=(unexpected<G>&& u) {
    v_.template emplace<1>(Unex(std::move(u.error())));
    return *this;
  }
  template <class... Args>
  requires is_nothrow_constructible_v<T, Args...>
  constexpr T& emplace(Args&&... args) noexcept {
    return v_.template emplace<0>(std::forward<Args>(args)...);
  }
  constexpr void swap(expected& o) { v_.swap(o.v_); }
  friend constexpr void swap(expected& x, expected& y) { x.swap(y); }

  constexpr bool has_value() const noexcept { return v_.index() == 0; }
  constexpr explicit operator bool() const noexcept { return has_value(); }

  constexpr T* operator->() noexcept { return &val(); }
  constexpr const T* operator->() const noexcept { return &val(); }
  constexpr T& operator*() & noexcept { return val(); }
  constexpr const T& operator*() const& noexcept { return val(); }
  constexpr T&& operator*() && noexcept { return std::move(val()); }
  constexpr const T&& operator*() const&& noexcept { return std::move(val()); }

  constexpr T& value() & {
    throw_if_error();
    return val();
  }
  constexpr const T& value() const& {
    throw_if_error();
    return val();
  }
  constexpr T&& value() && {
    throw_if_error();
    return std::move(val());
  }
  constexpr const T&& value() const&& {
    throw_if_error();
    return std::move(val());
  }

  constexpr E& error() & noexcept { return err(); }
  constexpr const E& error() const& noexcept { return err(); }
  constexpr E&& error() && noexcept { return std::move(err()); }
  constexpr const E&& error() const&& noexcept { return std::move(err()); }

  template <class U>
  constexpr T value_or(U&& d) const& {
    return has_value() ? val() : static_cast<T>(std::forward<U>(d));
  }
  template <class U>
  constexpr T value_or(U&& d) && {
    return has_value() ? std::move(val()) : static_cast<T>(std::forward<U>(d));
  }
  template <class T2, class E2>
  requires(!is_void_v<T2>) friend constexpr bool operator==(const expected& x,
                                                            const expected<T2, E2>& y) {
    if (x.has_value() != y.has_value()) return false;
    return x.has_value() ? *x == *y : x.error() == y.error();
  }
  template <class T2>
  requires(!nw_compat::is_expected<T2>::value &&
           !nw_compat::is_unexpected<T2>::value) friend constexpr bool
  operator==(const expected& x, const T2& v) {
    return x.has_value() && *x == v;
  }
  template <class E2>
  friend constexpr bool operator==(const expected& x, const unexpected<E2>& e) {
    return !x.has_value() && x.error() == e.error();
  }

 private:
  using V = variant<T, Unex>;

  constexpr T& val() noexcept {
    if (!has_value()) nw_compat::bad_access("value of an expected that holds an error");
    return *std::get_if<0>(&v_);
  }
  constexpr const T& val() const noexcept {
    if (!has_value()) nw_compat::bad_access("value of an expected that holds an error");
    return *std::get_if<0>(&v_);
  }
  constexpr E& err() noexcept {
    if (has_value()) nw_compat::bad_access("error() of an expected that holds a value");
    return std::get_if<1>(&v_)->error();
  }
  constexpr const E& err() const noexcept {
    if (has_value()) nw_compat::bad_access("error() of an expected that holds a value");
    return std::get_if<1>(&v_)->error();
  }
  constexpr void throw_if_error() const {
    if (!has_value()) throw bad_expected_access<E>(err());
  }

  V v_;
};

template <class T, class E>
requires is_void_v<T>
class expected<T, E> {
  using Unex = unexpected<E>;

 public:
  using value_type = T;
  using error_type = E;
  using unexpected_type = unexpected<E>;

  constexpr expected() noexcept : v_(in_place_index<0>) {}
  constexpr expected(const expected&) = default;
  constexpr expected(expected&&) = default;
  constexpr explicit expected(in_place_t) noexcept : v_(in_place_index<0>) {}
  template <class G>
  requires is_constructible_v<E, const G&>
  constexpr explicit(!is_convertible_v<const G&, E>) expected(const unexpected<G>& u)
      : v_(in_place_index<1>, Unex(u.error())) {}
  template <class G>
  requires is_constructible_v<E, G>
  constexpr explicit(!is_convertible_v<G, E>) expected(unexpected<G>&& u)
      : v_(in_place_index<1>, Unex(std::move(u.error()))) {}
  template <class... Args>
  requires is_constructible_v<E, Args...>
  constexpr explicit expected(unexpect_t, Args&&... args)
      : v_(in_place_index<1>, Unex(in_place, std::forward<Args>(args)...)) {}

  constexpr expected& operator=(const expected&) = default;
  constexpr expected& operator=(expected&&) = default;
  template <class G>
  constexpr expected& operator=(const unexpected<G>& u) {
    v_.template emplace<1>(Unex(u.error()));
    return *this;
  }
  template <class G>
  constexpr expected& operator=(unexpected<G>&& u) {
    v_.template emplace<1>(Unex(std::move(u.error())));
    return *this;
  }
  constexpr void emplace() noexcept { v_.template emplace<0>(); }

  constexpr bool has_value() const noexcept { return v_.index() == 0; }
  constexpr explicit operator bool() const noexcept { return has_value(); }
  constexpr void operator*() const noexcept {
    if (!has_value()) nw_compat::bad_access("value of an expected<void> that holds an error");
  }
  constexpr void value() const& {
    if (!has_value()) throw bad_expected_access<E>(error());
  }
  constexpr void value() && {
    if (!has_value()) throw bad_expected_access<E>(std::move(error()));
  }
  constexpr E& error() & noexcept { return err(); }
  constexpr const E& error() const& noexcept { return err(); }
  constexpr E&& error() && noexcept { return std::move(err()); }
  constexpr const E&& error() const&& noexcept { return std::move(err()); }
  template <class E2>
  friend constexpr bool operator==(const expected& x, const unexpected<E2>& e) {
    return !x.has_value() && x.error() == e.error();
  }

 private:
  struct Empty {};
  using V = variant<Empty, Unex>;

  constexpr E& err() noexcept {
    if (has_value()) nw_compat::bad_access("error() of an expected<void> that holds a value");
    return std::get_if<1>(&v_)->error();
  }
  constexpr const E& err() const noexcept {
    if (has_value()) nw_compat::bad_access("error() of an expected<void> that holds a value");
    return std::get_if<1>(&v_)->error();
  }

  V v_;
};

}  // namespace std
