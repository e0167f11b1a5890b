#include "supervisor/port_preflight.h"

#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "base/unique_fd.h"
#include "config/port_spec.h"

namespace stackvisor::supervisor {
namespace {

std::string PortText(const config::Port& port) {
  return std::to_string(port.port) + "/" + port.protocol;
}

// A replica group binds its port once per replica; asking once is enough.
std::string GroupOf(const config::Service& s) {
  return s.replica_of.empty() ? s.name : s.replica_of;
}

bool CoveredBySocket(const config::Service& s, const config::Port& port) {
  return port.protocol == "tcp" &&
         std::any_of(s.sockets.begin(), s.sockets.end(), [&](const config::Socket& k) {
           return k.kind == config::Socket::Kind::kTcp && k.port == port.port;
         });
}

// Each (group, port, protocol) once, in manifest order, without the ports sockets cover.
std::vector<std::pair<const config::Service*, config::Port>> PortsToCheck(
    const std::vector<config::Service>& services) {
  std::vector<std::pair<const config::Service*, config::Port>> out;
  for (const auto& s : services) {
    for (const auto& p : s.ports) {
      // A Dockerfile's EXPOSE only: the command may listen elsewhere, so it cannot be refused.
      if (CoveredBySocket(s, p) || p.exposed_only) continue;
      const bool seen = std::any_of(out.begin(), out.end(), [&](const auto& have) {
        return GroupOf(*have.first) == GroupOf(s) && have.second.port == p.port &&
               have.second.protocol == p.protocol;
      });
      if (!seen) out.emplace_back(&s, p);
    }
  }
  return out;
}

std::string UserText(uid_t uid, const std::string& known_name) {
  std::string name = known_name;
  if (name.empty()) {
    // Only called for a refusal, before anything starts: no thread could race getpwuid.
    if (const passwd* pw = getpwuid(uid)) name = pw->pw_name;
  }
  const std::string id = "uid " + std::to_string(uid);
  return name.empty() ? id : name + " (" + id + ")";
}

// Whether binding the wildcard address fails because something holds the port. SO_REUSEADDR
// keeps a connection in TIME_WAIT from counting; a dual-stack [::] meets IPv4 holders too.
bool Taken(uint16_t port, bool tcp) {
  const int type = (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC;
  base::UniqueFd fd(socket(AF_INET6, type, 0));
  if (fd.get() >= 0) {
    const int off = 0, on = 1;
    setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
    if (tcp) setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    sockaddr_in6 address{};
    address.sin6_family = AF_INET6;
    address.sin6_addr = in6addr_any;
    address.sin6_port = htons(port);
    if (bind(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) == 0) return false;
    return errno == EADDRINUSE;
  }
  fd = base::UniqueFd(socket(AF_INET, type, 0));  // no IPv6 on this host
  if (fd.get() < 0) return false;
  const int on = 1;
  if (tcp) setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_ANY);
  address.sin_port = htons(port);
  if (bind(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) == 0) return false;
  return errno == EADDRINUSE;
}

}  // namespace

std::string FormatPortProblem(const PortProblem& p) {
  const std::string port = PortText(p.port);
  if (p.kind == PortProblem::Kind::kTaken) {
    const std::string holder =
        p.holder.pid == 0
            ? "by a process stackvisor cannot see (another user's, or in another namespace)"
            : "by pid " + std::to_string(p.holder.pid) +
                  (p.holder.command.empty() ? "" : " (" + p.holder.command + ")");
    return p.service + ": port " + port + " is already in use on this host, " + holder + ": " +
           p.service + " would fail to bind it (there is no network namespace); stop that "
           "process, or give " + p.service + " another port";
  }
  return p.service + ": port " + port + " is below " + std::to_string(p.unprivileged_start) +
         " (net.ipv4.ip_unprivileged_port_start) and " + p.service + " would bind it as " +
         p.user + ", who may not: run stackvisor as root, lower the limit with 'sysctl "
         "net.ipv4.ip_unprivileged_port_start=" + std::to_string(p.lowest_needed) +
         "' (the lowest port needed), or give " + p.service + " a port of " +
         std::to_string(p.unprivileged_start) + " or more";
}

std::vector<PortProblem> PrivilegedProblems(const std::vector<config::Service>& services,
                                            const PreflightInput& input) {
  std::vector<PortProblem> out;
  for (const auto& [service, port] : PortsToCheck(services)) {
    const uid_t uid = service->user ? service->user->uid : input.euid;
    if (uid == 0 || port.port >= input.unprivileged_start) continue;
    PortProblem p;
    p.kind = PortProblem::Kind::kPrivileged;
    p.service = GroupOf(*service);
    p.port = port;
    p.user = UserText(uid, service->user ? service->user->name : "");
    p.unprivileged_start = input.unprivileged_start;
    out.push_back(std::move(p));
  }
  int lowest = 65536;
  for (const auto& p : out) lowest = std::min<int>(lowest, p.port.port);
  for (auto& p : out) p.lowest_needed = lowest;
  return out;
}

std::vector<PortProblem> CheckPorts(const std::vector<config::Service>& services, uid_t euid) {
  std::vector<PortProblem> out =
      PrivilegedProblems(services, PreflightInput{euid, ReadUnprivilegedPortStart()});
  for (const auto& [service, port] : PortsToCheck(services)) {
    if (port.protocol != "tcp" && port.protocol != "udp") continue;  // sctp: not checked
    const bool tcp = port.protocol == "tcp";
    if (!Taken(port.port, tcp)) continue;
    PortProblem p;
    p.service = GroupOf(*service);
    p.port = port;
    p.holder = FindPortHolder(port.port, tcp);
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace stackvisor::supervisor
