#include "control/snapshot_json.h"

#include "logmux/timestamp.h"

namespace stackvisor::control {

using supervisor::Health;
using supervisor::Phase;

std::string_view PhaseName(Phase phase) {
  switch (phase) {
    case Phase::kWaiting: return "waiting";
    case Phase::kStarting: return "starting";
    case Phase::kRunning: return "running";
    case Phase::kBackoff: return "backoff";
    case Phase::kStopping: return "stopping";
    case Phase::kCompleted: return "completed";
    case Phase::kFailed: return "failed";
    case Phase::kStopped: return "stopped";
  }
  return "unknown";
}

std::string_view HealthName(Health health) {
  switch (health) {
    case Health::kNone: return "none";
    case Health::kStarting: return "starting";
    case Health::kHealthy: return "healthy";
    case Health::kUnhealthy: return "unhealthy";
  }
  return "unknown";
}

std::string Rfc3339(std::chrono::system_clock::time_point time) {
  logmux::TimestampFormatter formatter;
  return std::string(formatter.Format(time));
}

namespace {

nlohmann::json TimeOrNull(const std::optional<std::chrono::system_clock::time_point>& time) {
  return time ? nlohmann::json(Rfc3339(*time)) : nlohmann::json(nullptr);
}

nlohmann::json TextOrNull(const std::string& text) {
  return text.empty() ? nlohmann::json(nullptr) : nlohmann::json(text);
}

}  // namespace

nlohmann::json ServiceJson(const supervisor::ServiceSnapshot& snap,
                           std::chrono::system_clock::time_point now) {
  const supervisor::ServiceStatus& st = snap.status;
  const bool has_process = st.pid > 0;
  nlohmann::json out = {
      {"name", snap.name},
      {"state", PhaseName(st.phase)},
      {"health", HealthName(st.health)},
      {"pid", has_process ? nlohmann::json(st.pid) : nlohmann::json(nullptr)},
      {"restarts", st.restarts},
      {"started_at", TimeOrNull(snap.started_at)},
      {"ready_at", TimeOrNull(snap.ready_at)},
      {"uptime_s", nullptr},
      {"last_exit", nullptr},
      {"failure", TextOrNull(st.failure)},
      {"waiting_for", TextOrNull(st.waiting_for)},
      {"stopped_by_request", st.stopped_by_request},
  };
  if (has_process && snap.started_at) {
    // Never negative: the wall clock may have stepped back since the start.
    const auto up = std::max(now - *snap.started_at, std::chrono::system_clock::duration{0});
    out["uptime_s"] = std::chrono::duration<double>(up).count();
  }
  if (st.last_exit_code) {
    out["last_exit"] = {{"code", *st.last_exit_code},
                        {"description", st.last_exit},
                        {"at", TimeOrNull(snap.last_exit_at)}};
  }
  return out;
}

std::string_view StackState(const std::vector<supervisor::ServiceSnapshot>& services,
                            bool stopping) {
  if (stopping) return "stopping";
  for (const auto& snap : services) {
    if (snap.status.phase == Phase::kWaiting || snap.status.phase == Phase::kStarting)
      return "starting";
  }
  return "running";
}

}  // namespace stackvisor::control
