#pragma once
// The text forms of a socket's listen address (x-stackvisor.sockets), parsed without any I/O.
#include <optional>
#include <string>

#include "config/manifest.h"

namespace stackvisor::config {

/// ParseListenAddress reads "HOST:PORT" (an IPv4 literal), "[IPV6]:PORT" or "unix:PATH" into
/// `socket` (kind, host, port or path; address keeps the text). A relative PATH is resolved
/// against `base_dir`. Returns what is wrong, phrased to follow "expected ...", or nullopt.
std::optional<std::string> ParseListenAddress(const std::string& text,
                                              const std::string& base_dir, Socket& socket);

/// What two sockets bind, comparable: "tcp 127.0.0.1:8000", "unix /run/web.sock".
std::string BindKey(const Socket& socket);

}  // namespace stackvisor::config
