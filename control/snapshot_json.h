#pragma once
// The API's JSON view of the supervisor's state: the Service object and the stack's state, as
// the contract in docs/api.md gives them. Pure: the caller passes the current time.
#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "logmux/timestamp.h"
#include "supervisor/plan.h"
#include "supervisor/supervisor.h"

namespace stackvisor::control {

/// "waiting", "starting", "running", "backoff", "stopping", "completed", "failed", "stopped".
std::string_view PhaseName(supervisor::Phase phase);
/// "none", "starting", "healthy", "unhealthy".
std::string_view HealthName(supervisor::Health health);
/// RFC 3339 UTC with milliseconds: "2026-12-01T14:08:01.123Z".
std::string Rfc3339(std::chrono::system_clock::time_point time);

/// The Service object: name, state, health, pid, restarts, started_at, ready_at, uptime_s
/// (while a process runs, measured to `now`), last_exit, failure, waiting_for,
/// stopped_by_request, replica_of and replica (a replica's group and index; null for a service
/// that is not scaled to 2 or more). Absent values are null, never "" or -1.
nlohmann::json ServiceJson(const supervisor::ServiceSnapshot& snap,
                           std::chrono::system_clock::time_point now);

/// ServiceListWriter serialises Service objects straight into a string, byte for byte as
/// ServiceJson(...).dump() with invalid UTF-8 replaced (keys in nlohmann's sorted order), but
/// without building a JSON tree per service: /v1/services for 1,000 services is a hot path. The
/// times share one formatter, whose cache makes most of them a copy. One request's worth.
class ServiceListWriter {
 public:
  explicit ServiceListWriter(std::chrono::system_clock::time_point now) : now_(now) {}

  /// Appends one Service object.
  void Append(std::string& out, const supervisor::ServiceSnapshot& snap);
  /// Appends a JSON array of Service objects.
  void AppendList(std::string& out, const std::vector<supervisor::ServiceSnapshot>& snaps);

 private:
  void AppendTime(std::string& out,
                  const std::optional<std::chrono::system_clock::time_point>& time);

  std::chrono::system_clock::time_point now_;
  logmux::TimestampFormatter formatter_;
};

/// Appends `text` as a JSON string, escaped exactly as nlohmann's dump (invalid UTF-8 replaced).
void AppendJsonString(std::string& out, std::string_view text);

/// The stack's state: "stopping" once a stop began, "starting" while any service waits or
/// starts, else "running" (every service is up, done, failed or stopped on request).
std::string_view StackState(const std::vector<supervisor::ServiceSnapshot>& services,
                            bool stopping);

}  // namespace stackvisor::control
