#pragma once
#include <sys/resource.h>

namespace stackvisor::procs {

/// RaiseFileLimit lifts this process's soft limit on open files to its hard limit. A supervisor
/// holds two pipes per service, so the soft limit most sessions start with (1024) would stop it
/// near 500 services. The limit it found is remembered and given back to every child the
/// spawner starts: programs that still use select() rely on it, which is why the soft limit is
/// low in the first place. Call once, at start-up, before any spawn; later calls do nothing.
void RaiseFileLimit();

/// The soft limit children get back, or nullptr when RaiseFileLimit changed nothing.
const rlimit* InheritedFileLimit();

}  // namespace stackvisor::procs
