#include "healthcheck/http_message.h"

#include <algorithm>
#include <cctype>

namespace stackvisor::healthcheck {
namespace {

bool StartsWithNoCase(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[i])) != prefix[i]) return false;
  }
  return true;
}

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

base::Error UrlError(std::string_view url, std::string_view why) {
  return base::Error{"bad URL \"" + std::string(url) + "\": " + std::string(why)};
}

}  // namespace

base::Result<HttpUrl> ParseHttpUrl(std::string_view url) {
  constexpr std::string_view kScheme = "http://";
  if (StartsWithNoCase(url, "https://")) return UrlError(url, "https is not supported, use http://");
  if (!StartsWithNoCase(url, kScheme)) return UrlError(url, "expected http://HOST[:PORT][/PATH]");
  std::string_view rest = url.substr(kScheme.size());
  if (size_t hash = rest.find('#'); hash != std::string_view::npos) rest = rest.substr(0, hash);
  size_t authority_end = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, authority_end);
  std::string_view target =
      authority_end == std::string_view::npos ? std::string_view() : rest.substr(authority_end);
  if (authority.find('@') != std::string_view::npos) return UrlError(url, "user info is not supported");

  HttpUrl out;
  std::string_view host;
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return UrlError(url, "unterminated [IPv6] host");
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return UrlError(url, "unexpected text after ]");
      port = after.substr(1);
      if (port.empty()) return UrlError(url, "empty port");
    }
  } else {
    size_t colon = authority.rfind(':');
    host = authority.substr(0, colon);
    if (colon != std::string_view::npos) {
      port = authority.substr(colon + 1);
      if (port.empty()) return UrlError(url, "empty port");
    }
  }
  if (host.empty()) return UrlError(url, "missing host");
  if (!port.empty()) {
    if (!AllDigits(port) || port.size() > 5 || std::stoi(std::string(port)) > 65535 ||
        std::stoi(std::string(port)) == 0) {
      return UrlError(url, "port must be a number from 1 to 65535");
    }
    out.port = static_cast<uint16_t>(std::stoi(std::string(port)));
  }
  out.host = std::string(host);
  bool bracketed = host.find(':') != std::string_view::npos;
  out.host_header = bracketed ? "[" + out.host + "]" : out.host;
  if (out.port != 80) out.host_header += ":" + std::to_string(out.port);
  if (target.empty()) {
    out.target = "/";
  } else if (target.front() == '?') {
    out.target = "/" + std::string(target);
  } else {
    out.target = std::string(target);
  }
  return out;
}

std::string BuildHttpRequest(const HttpUrl& url) {
  return "GET " + url.target + " HTTP/1.1\r\nHost: " + url.host_header +
         "\r\nUser-Agent: stackvisor-healthcheck\r\nAccept: */*\r\nConnection: close\r\n\r\n";
}

std::optional<int> ParseStatusCode(std::string_view line) {
  constexpr std::string_view kPrefix = "HTTP/1.";
  if (line.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  std::string_view rest = line.substr(kPrefix.size());
  if (rest.size() < 5 || !std::isdigit(static_cast<unsigned char>(rest[0])) || rest[1] != ' ') {
    return std::nullopt;
  }
  std::string_view code = rest.substr(2, 3);
  if (!AllDigits(code)) return std::nullopt;
  if (rest.size() > 5 && rest[5] != ' ') return std::nullopt;
  return (code[0] - '0') * 100 + (code[1] - '0') * 10 + (code[2] - '0');
}

}  // namespace stackvisor::healthcheck
