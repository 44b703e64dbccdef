// Result<T>: a value or an Error, shaped like std::expected (C++23, not in g++ 12's C++20).
// Expected failures (not found, invalid input, conflicts) travel as values; exceptions are
// reserved for bugs and library boundaries.
#pragma once

#include <string>
#include <utility>
#include <variant>

#include <boost/json/value.hpp>

namespace praetor::core {

enum class ErrorKind {
  kNotFound,     // the object does not exist (404, {"detail": …})
  kObjectNotFound,  // not found inside orchestration (404, {"exception_message": …})
  kInvalid,      // the request is well-formed JSON but semantically invalid (422)
  kBadRequest,   // malformed protocol input (400)
  kConflict,     // a uniqueness or integrity constraint (409)
  kForbidden,    // refused whatever the caller sends, e.g. a protected object (403, {"detail": …})
  kUnavailable,  // retryable: database busy or not ready (503)
  kInternal,     // a bug or an unexpected library failure (500)
};

struct Error {
  ErrorKind kind = ErrorKind::kInternal;
  std::string message;
  // Optional structured detail, e.g. the pydantic-shaped list of a 422.
  boost::json::value detail;

  static Error not_found(std::string m) { return {ErrorKind::kNotFound, std::move(m), {}}; }
  static Error object_not_found(std::string m) { return {ErrorKind::kObjectNotFound, std::move(m), {}}; }
  static Error bad_request(std::string m) { return {ErrorKind::kBadRequest, std::move(m), {}}; }
  static Error invalid(std::string m) { return {ErrorKind::kInvalid, std::move(m), {}}; }
  static Error conflict(std::string m) { return {ErrorKind::kConflict, std::move(m), {}}; }
  static Error forbidden(std::string m) { return {ErrorKind::kForbidden, std::move(m), {}}; }
  static Error unavailable(std::string m) { return {ErrorKind::kUnavailable, std::move(m), {}}; }
  static Error internal(std::string m) { return {ErrorKind::kInternal, std::move(m), {}}; }
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const { return std::get<1>(v_); }
  Error&& take_error() { return std::get<1>(std::move(v_)); }

 private:
  std::variant<T, Error> v_;
};

// Result<void> equivalent.
struct Ok {};
using Status = Result<Ok>;

}  // namespace praetor::core
