#pragma once
// Socket activation: the listening sockets of every service, owned here so they outlive the
// processes that serve them.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "config/manifest.h"
#include "procs/listen_socket.h"

namespace stackvisor::supervisor {

/// ServiceSockets owns the listening sockets of the services that declare
/// `x-stackvisor.sockets`, keyed by service name (a replica's: its group's, so web-1..web-N
/// share one set and one backlog). `up` opens them all (OpenAll) before anything
/// starts, so a port in use fails the stack with nothing started; each start of a service's
/// process passes them on (FdsFor), a restart or a crash keeps them (connections wait in the
/// backlog), and a service that is down for good (stopped on request, failed, completed) has
/// them closed (Close), to be opened again by its next start (Ensure).
/// Loop thread only; not copyable.
class ServiceSockets {
 public:
  /// `as_root`: unix socket files are given to the service's user (only root can chown).
  explicit ServiceSockets(bool as_root) : as_root_(as_root) {}
  ServiceSockets(const ServiceSockets&) = delete;
  ServiceSockets& operator=(const ServiceSockets&) = delete;

  /// Opens every service's sockets; on the first failure closes what it opened and returns
  /// the error, naming the service and the address ("web: bind 127.0.0.1:8000: Address
  /// already in use").
  base::Result<bool> OpenAll(const config::Manifest& manifest);
  /// Opens the service's sockets unless they are open.
  base::Result<bool> Ensure(const config::Service& service);
  /// Closes the service's sockets (connecting then fails at once, as for a stopped server).
  void Close(const config::Service& service);

  /// The service's open sockets as fds, in declaration order (fd 3 first), and their names.
  std::vector<int> FdsFor(const config::Service& service) const;
  std::vector<std::string> NamesFor(const config::Service& service) const;
  bool open(const config::Service& service) const { return sets_.count(KeyOf(service)) > 0; }

 private:
  // Replicas share their group's sockets (one backlog for all of them).
  static std::string KeyOf(const config::Service& service) {
    return service.replica_of.empty() ? service.name : service.replica_of;
  }
  procs::ListenAddress AddressOf(const config::Service& service,
                                 const config::Socket& socket) const;

  bool as_root_;
  std::map<std::string, std::vector<std::unique_ptr<procs::ListenSocket>>> sets_;
};

}  // namespace stackvisor::supervisor
