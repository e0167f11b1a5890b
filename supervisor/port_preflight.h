#pragma once
// Before anything starts: the ports the services will bind must be free on the host, and an
// ordinary user's services must not need a privileged port. There is no network namespace, so
// either would otherwise show as one service dying after the others began.
#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/manifest.h"

namespace stackvisor::supervisor {

/// A process that holds a port, as /proc tells it; pid 0 when none could be seen (another
/// user's process, as an ordinary user, or one in another PID namespace).
struct PortHolder {
  pid_t pid = 0;
  std::string command;  // its command line, spaces between the arguments; may be empty
};

/// One socket of /proc/net/{tcp,tcp6,udp,udp6}: its local port, state and inode.
struct ProcNetSocket {
  uint16_t port = 0;
  int state = 0;  // 0x0A: TCP LISTEN; 0x07: an unconnected (bound) UDP socket
  unsigned long inode = 0;
};

/// ParseProcNet reads the table of /proc/net/tcp (or tcp6, udp, udp6); malformed lines are
/// skipped.
std::vector<ProcNetSocket> ParseProcNet(std::string_view text);

/// The inodes of the sockets in `sockets` that hold `port`: listening (tcp) or bound (udp).
std::vector<unsigned long> HoldingInodes(const std::vector<ProcNetSocket>& sockets,
                                         uint16_t port, bool tcp);

/// What one service's port cannot do: be bound because something holds it, or be bound by
/// the user the service runs as.
struct PortProblem {
  enum class Kind { kTaken, kPrivileged };
  Kind kind = Kind::kTaken;
  std::string service;
  config::Port port;
  PortHolder holder;        // kTaken
  std::string user;         // kPrivileged: "alice (uid 1000)"
  int unprivileged_start = 1024;  // kPrivileged: net.ipv4.ip_unprivileged_port_start
  int lowest_needed = 0;          // kPrivileged: the lowest such port of every service
};

/// FormatPortProblem is the one line that says what is wrong and the ways out, without
/// "stackvisor: " (pure; golden-tested).
std::string FormatPortProblem(const PortProblem& problem);

/// PreflightInput is what the checks read from the host, gathered apart so the decisions are
/// pure: the uid each process would bind with and the sysctl.
struct PreflightInput {
  uid_t euid = 0;
  int unprivileged_start = 1024;
};

/// PrivilegedProblems gives, per service and distinct port, the ports below the sysctl that
/// the service's user (its `user:`, else stackvisor's) may not bind. A port a socket of the
/// service covers is skipped: stackvisor opens that one itself. Pure.
std::vector<PortProblem> PrivilegedProblems(const std::vector<config::Service>& services,
                                            const PreflightInput& input);

/// CheckPorts reads the sysctl and tries to bind each port the services listen on (the
/// same port of several replicas once), and returns every problem found, taken ports with
/// the process holding them when /proc shows it. Nothing is left bound.
std::vector<PortProblem> CheckPorts(const std::vector<config::Service>& services, uid_t euid);

/// ReadUnprivilegedPortStart reads net.ipv4.ip_unprivileged_port_start (1024 when unreadable).
int ReadUnprivilegedPortStart();

/// FindPortHolder looks `port` up in /proc/net and the socket inodes in /proc/*/fd.
PortHolder FindPortHolder(uint16_t port, bool tcp);

}  // namespace stackvisor::supervisor
