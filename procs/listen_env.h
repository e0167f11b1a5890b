#pragma once
// The environment half of socket activation (the fds are the spawner's): pure, no I/O.
#include <string>
#include <vector>

namespace stackvisor::procs {

/// The prefix of the LISTEN_PID entry; the child appends its own pid's digits after the clone.
inline constexpr char kListenPidPrefix[] = "LISTEN_PID=";

/// `env` without any LISTEN_FDS, LISTEN_PID or LISTEN_FDNAMES entry, plus LISTEN_FDS=count and
/// LISTEN_FDNAMES (names joined by ':', "unknown" for a missing one, as systemd names them).
/// LISTEN_PID is not added: only the child knows it.
std::vector<std::string> WithListenEnv(std::vector<std::string> env, size_t count,
                                       const std::vector<std::string>& names);

}  // namespace stackvisor::procs
