#include "supervisor/service_sockets.h"

namespace stackvisor::supervisor {

procs::ListenAddress ServiceSockets::AddressOf(const config::Service& service,
                                               const config::Socket& socket) const {
  procs::ListenAddress address;
  address.kind = socket.kind == config::Socket::Kind::kUnix ? procs::ListenAddress::Kind::kUnix
                                                           : procs::ListenAddress::Kind::kTcp;
  address.host = socket.host;
  address.port = socket.port;
  address.path = socket.path;
  address.mode = socket.mode;
  address.backlog = socket.backlog;
  // As root the service runs as its user: it (and root) may connect, nobody else.
  if (as_root_ && service.user) {
    address.owner_uid = service.user->uid;
    address.owner_gid = service.user->gid;
  }
  return address;
}

base::Result<bool> ServiceSockets::OpenAll(const config::Manifest& manifest) {
  for (const auto& service : manifest.services) {
    auto opened = Ensure(service);
    if (opened.ok()) continue;
    sets_.clear();
    return opened.error();
  }
  return true;
}

base::Result<bool> ServiceSockets::Ensure(const config::Service& service) {
  if (service.sockets.empty() || open(service)) return true;
  std::vector<std::unique_ptr<procs::ListenSocket>> set;
  for (const auto& socket : service.sockets) {
    auto opened = procs::ListenSocket::Open(AddressOf(service, socket));
    if (!opened.ok()) return base::Error{service.name + ": " + opened.error().message};
    set.push_back(std::move(opened.value()));
  }
  sets_[KeyOf(service)] = std::move(set);
  return true;
}

void ServiceSockets::Close(const config::Service& service) { sets_.erase(KeyOf(service)); }

std::vector<int> ServiceSockets::FdsFor(const config::Service& service) const {
  std::vector<int> fds;
  auto it = sets_.find(KeyOf(service));
  if (it == sets_.end()) return fds;
  for (const auto& socket : it->second) fds.push_back(socket->fd());
  return fds;
}

std::vector<std::string> ServiceSockets::NamesFor(const config::Service& service) const {
  std::vector<std::string> names;
  for (const auto& socket : service.sockets) names.push_back(socket.name);
  return names;
}

}  // namespace stackvisor::supervisor
