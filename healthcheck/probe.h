#pragma once
// Active readiness probes: one asynchronous check at a time on the loop (exec, tcp, http).
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "procs/spawn_spec.h"

struct uv_loop_s;
using uv_loop_t = uv_loop_s;

namespace stackvisor::procs {
class Reaper;
}

namespace stackvisor::healthcheck {

/// The outcome of one probe attempt. detail says why it failed ("connect 127.0.0.1:8000:
/// connection refused", "HTTP 503", "exit code 1", "timed out after 30s"), or what succeeded.
struct ProbeResult {
  bool healthy = false;
  std::string detail;
};

/// ActiveProbe runs one asynchronous check at a time on the loop thread. Run() starts an attempt
/// and calls done exactly once, always from a later loop callback (never from inside Run), unless
/// Cancel() is called first, after which done is never called. Calling Run() while an attempt is
/// in flight cancels that attempt. Destroying the probe cancels too; whatever the attempt still
/// had in libuv (requests, closing handles, a child) cleans up after it without touching it.
/// done may destroy the probe. Owned by the Prober of one service.
class ActiveProbe {
 public:
  virtual ~ActiveProbe() = default;
  virtual void Run(std::chrono::milliseconds timeout, std::function<void(ProbeResult)> done) = 0;
  virtual void Cancel() = 0;
};

/// Healthy when a TCP connection to host:port succeeds. host is numeric (IPv4, IPv6 with or
/// without brackets) or a name resolved with uv_getaddrinfo; every address is tried in order.
std::unique_ptr<ActiveProbe> MakeTcpProbe(uv_loop_t* loop, std::string host, uint16_t port);

/// GET url (http:// only) with a Host header and Connection: close; healthy on a 2xx or 3xx
/// status line. A malformed URL gives a probe whose every attempt fails saying why.
std::unique_ptr<ActiveProbe> MakeHttpProbe(uv_loop_t* loop, std::string url);

/// Spawns spec (in its own process group) and is healthy when it exits 0: the verdict comes at
/// that exit, whatever its background children still do, and the last line it printed is kept
/// for detail. At the exit, on timeout and on Cancel its process group is SIGKILLed; the reaper
/// still reaps it. reaper must outlive the probe.
std::unique_ptr<ActiveProbe> MakeExecProbe(uv_loop_t* loop, procs::Reaper& reaper,
                                           procs::SpawnSpec spec);

/// "30s", "1.5s", "200ms": durations in probe messages.
std::string DescribeDuration(std::chrono::milliseconds d);

}  // namespace stackvisor::healthcheck
