#pragma once
// The little HTTP/1.1 an http probe needs, as pure functions: parse the URL, build the request,
// read the status line.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"

namespace stackvisor::healthcheck {

/// A parsed http:// URL. host has no brackets (ready for address parsing or resolution);
/// host_header is what the Host header carries ("[::1]:8080", "example.com").
struct HttpUrl {
  std::string host;
  uint16_t port = 80;
  std::string target = "/";  // path and query, never empty; the fragment is dropped
  std::string host_header;
};

/// ParseHttpUrl accepts http://HOST[:PORT][/PATH][?QUERY][#FRAGMENT], HOST being a name, an
/// IPv4 address or a bracketed IPv6 address. Anything else (https, user info, bad port) is an
/// Error saying what is wrong.
base::Result<HttpUrl> ParseHttpUrl(std::string_view url);

/// BuildHttpRequest gives the GET request for url, with Connection: close.
std::string BuildHttpRequest(const HttpUrl& url);

/// ParseStatusCode reads "HTTP/1.1 503 Service Unavailable" (line without its end) and gives
/// 503, or nullopt when the line is not an HTTP/1.x status line.
std::optional<int> ParseStatusCode(std::string_view line);

}  // namespace stackvisor::healthcheck
