// x-stackvisor.sockets: the listening sockets stackvisor opens for a service (socket activation).
#include <map>

#include "config/listen_address.h"
#include "config/service_builder.h"

namespace stackvisor::config {
namespace {

const std::vector<std::string> kSocketKeys = {"listen", "name", "backlog", "mode"};

// systemd's rule for LISTEN_FDNAMES entries: printable, no ':' (the separator), at most 255.
bool ValidFdName(const std::string& name) {
  if (name.empty() || name.size() > 255) return false;
  for (unsigned char c : name)
    if (c <= ' ' || c >= 127 || c == ':') return false;
  return true;
}

}  // namespace

void ServiceBuilder::Sockets(const Node& node) {
  const std::string path = Path("sockets");
  if (node.IsNull()) return;
  if (!node.IsSequence())
    return r_.Expected(node, path, "a list of listen addresses such as 127.0.0.1:8000");
  if (node.items.size() > Socket::kMaxPerService)
    r_.Error(node, path, "at most " + std::to_string(Socket::kMaxPerService) +
                             " sockets per service, got " + std::to_string(node.items.size()));
  for (size_t i = 0; i < node.items.size(); ++i)
    if (auto socket = ReadSocket(node.items[i], path + "[" + std::to_string(i) + "]"))
      draft_.service.sockets.push_back(std::move(*socket));
}

std::optional<Socket> ServiceBuilder::ReadSocket(const Node& node, const std::string& path) {
  Socket socket;
  socket.name = name_;
  socket.pos = node.pos;
  const Node* listen = &node;
  const size_t errors_before = r_.error_count();
  if (node.IsMap()) {
    listen = node.Get("listen");
    if (listen == nullptr) {
      r_.Error(node, path, "no listen address: set 'listen' (such as 127.0.0.1:8000)");
      return std::nullopt;
    }
    for (const auto& e : node.entries) {
      const std::string key_path = path + "." + e.key;
      if (e.key == "name") {
        auto name = ReadString(e.value, key_path, r_);
        if (name && ValidFdName(*name)) socket.name = *name;
        else if (name)
          r_.Expected(e.value, key_path,
                      "a name of printable characters without spaces or ':' (LISTEN_FDNAMES)");
      } else if (e.key == "backlog") {
        if (auto n = ReadInt(e.value, key_path, r_, 1, 65535)) socket.backlog = static_cast<int>(*n);
      } else if (e.key == "mode") {
        const std::string& v = e.value.value;
        if (e.value.IsScalar() && !v.empty() && v.size() <= 4 &&
            v.find_first_not_of("01234567") == std::string::npos)
          socket.mode = static_cast<mode_t>(std::stoul(v, nullptr, 8));
        else
          r_.Expected(e.value, key_path, "an octal file mode such as \"0660\"");
      } else if (e.key != "listen" && e.key.rfind("x-", 0) != 0) {
        r_.Error(e.key_pos, key_path, "unknown key" + DidYouMean(e.key, kSocketKeys));
      }
    }
  }
  const std::string listen_path = node.IsMap() ? path + ".listen" : path;
  auto text = ReadString(*listen, listen_path, r_);
  if (!text) return std::nullopt;
  if (auto why = ParseListenAddress(*text, context_.project_directory, socket)) {
    r_.Expected(*listen, listen_path, *why);
    return std::nullopt;
  }
  if (node.IsMap() && node.Get("mode") && socket.kind == Socket::Kind::kTcp)
    r_.Error(*node.Get("mode"), path + ".mode", "only a unix socket has a file mode");
  if (r_.error_count() != errors_before) return std::nullopt;
  return socket;
}

void CheckSockets(const std::vector<ServiceDraft>& drafts, Reporter& r) {
  // One address, one owner: a second bind would fail at start, after the first service began.
  std::map<std::string, std::string> owner;  // BindKey -> service
  for (const auto& draft : drafts) {
    if (!draft.active) continue;
    const Service& s = draft.service;
    for (size_t i = 0; i < s.sockets.size(); ++i) {
      const Socket& socket = s.sockets[i];
      const std::string path = "services." + s.name + ".sockets[" + std::to_string(i) + "]";
      auto [it, fresh] = owner.emplace(BindKey(socket), s.name);
      if (!fresh)
        r.Error(socket.pos, path,
                socket.address + " is already a socket of " +
                    (it->second == s.name ? "this service" : "service " + it->second));
    }
  }
}

}  // namespace stackvisor::config
