#pragma once
// Result<T>: a value or an Error, for start-up paths that must report why they failed.
#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace stackvisor::base {

/// Error carries a human sentence with its context already in it
/// ("spawn /usr/bin/gunicorn: No such file or directory").
struct Error {
  std::string message;
};

/// Result holds either a T or an Error. Callers test ok() before value().
template <typename T>
class Result {
 public:
  Result(T value) : data_(std::move(value)) {}          // NOLINT: implicit on purpose
  Result(Error error) : data_(std::move(error)) {}      // NOLINT
  bool ok() const { return data_.index() == 0; }
  T& value() { assert(ok()); return std::get<0>(data_); }
  const T& value() const { assert(ok()); return std::get<0>(data_); }
  const Error& error() const { assert(!ok()); return std::get<1>(data_); }

 private:
  std::variant<T, Error> data_;
};

/// ErrnoMessage formats "what: strerror(err)".
std::string ErrnoMessage(const std::string& what, int err);

}  // namespace stackvisor::base
