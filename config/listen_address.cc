#include "config/path_join.h"
#include "config/listen_address.h"

#include <arpa/inet.h>

#include <filesystem>

namespace stackvisor::config {
namespace {

constexpr char kExpected[] =
    "a listen address such as 127.0.0.1:8000, [::1]:8000 or unix:run/web.sock";

std::optional<uint16_t> ParsePort(const std::string& text) {
  if (text.empty() || text.size() > 5 || text.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  const int port = std::stoi(text);
  if (port < 1 || port > 65535) return std::nullopt;
  return static_cast<uint16_t>(port);
}

}  // namespace

std::optional<std::string> ParseListenAddress(const std::string& text,
                                              const std::string& base_dir, Socket& socket) {
  socket.address = text;
  if (text.rfind("unix:", 0) == 0) {
    std::string path = text.substr(5);
    if (path.empty()) return std::string(kExpected) + " (unix: needs a path)";
    if (path.front() == '@')
      return std::string(kExpected) +
             " (abstract sockets have no owner or mode: anyone could connect)";
    socket.kind = Socket::Kind::kUnix;
    socket.path = JoinPath(base_dir, path);
    // sockaddr_un.sun_path holds 108 bytes with the terminating NUL.
    if (socket.path.size() > 107)
      return std::string(kExpected) + " (the path " + socket.path +
             " is longer than a unix socket address holds, 107 bytes)";
    return std::nullopt;
  }
  const size_t colon = text.rfind(':');
  if (colon == std::string::npos) return std::string(kExpected);
  std::string host = text.substr(0, colon);
  const auto port = ParsePort(text.substr(colon + 1));
  if (!port) return std::string(kExpected) + " (the port must be a number from 1 to 65535)";
  unsigned char buffer[16];
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
    if (inet_pton(AF_INET6, host.c_str(), buffer) != 1)
      return std::string(kExpected) + " (" + host + " is not an IPv6 address)";
  } else if (inet_pton(AF_INET, host.c_str(), buffer) != 1) {
    return std::string(kExpected) + " (the host must be an IP address; IPv6 goes in brackets)";
  }
  socket.kind = Socket::Kind::kTcp;
  socket.host = host;
  socket.port = *port;
  return std::nullopt;
}

std::string BindKey(const Socket& socket) {
  if (socket.kind == Socket::Kind::kUnix) return "unix " + socket.path;
  return "tcp " + socket.host + ":" + std::to_string(socket.port);
}

}  // namespace stackvisor::config
