#pragma once
// Strict parsers for the API's query parameters (timeout, signal, tail, since, flags). Pure;
// each returns the value or an error text naming the parameter and what it got, which the
// route answers with 400.
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "config/manifest.h"

namespace stackvisor::control {

/// A parsed value, or the message of a 400.
template <typename T>
struct Parsed {
  std::optional<T> value;
  std::string error;  // set when the text was malformed
  bool ok() const { return error.empty(); }
};

/// `timeout=SECONDS`: a non-negative decimal number of seconds ("10", "2.5"), at most a day.
/// Nothing else: no unit, sign, exponent or spaces.
Parsed<config::Duration> ParseTimeoutSeconds(std::string_view text);

/// `signal=`: "SIGKILL", "KILL" (any case) or a number within 1..64.
Parsed<int> ParseSignalParam(std::string_view text);

/// `tail=N`: digits, or "all" (no limit, as compose's --tail all).
Parsed<size_t> ParseTail(std::string_view text);

/// `follow=`, `timestamps=`, `color=`: "1"/"true"/"yes"/"" (a bare key) or "0"/"false"/"no".
Parsed<bool> ParseFlag(std::string_view name, std::string_view text);

/// `since=T`: RFC 3339 ("2026-12-01T14:00:00Z", fraction and ±HH:MM offset allowed), unix
/// seconds ("1764597600", fraction allowed), or a duration before `now` ("10m", "1h30m").
Parsed<std::chrono::system_clock::time_point> ParseSince(
    std::string_view text, std::chrono::system_clock::time_point now);

/// Only the RFC 3339 part of ParseSince; nullopt when malformed.
std::optional<std::chrono::system_clock::time_point> ParseRfc3339(std::string_view text);

}  // namespace stackvisor::control
