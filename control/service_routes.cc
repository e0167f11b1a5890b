// Endpoints: stack and service state and commands.
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <optional>

#include "control/routes.h"
#include "logmux/timestamp.h"

namespace stackvisor::control {
namespace {

// h13's stand-in until h12's routes land: only what `up -d` and `down` need, to the contract.
const char* PhaseName(supervisor::Phase phase) {
  switch (phase) {
    case supervisor::Phase::kWaiting: return "waiting";
    case supervisor::Phase::kStarting: return "starting";
    case supervisor::Phase::kRunning: return "running";
    case supervisor::Phase::kBackoff: return "backoff";
    case supervisor::Phase::kStopping: return "stopping";
    case supervisor::Phase::kCompleted: return "completed";
    case supervisor::Phase::kFailed: return "failed";
    case supervisor::Phase::kStopped: return "stopped";
  }
  return "waiting";
}

const char* HealthName(supervisor::Health health) {
  switch (health) {
    case supervisor::Health::kNone: return "none";
    case supervisor::Health::kStarting: return "starting";
    case supervisor::Health::kHealthy: return "healthy";
    case supervisor::Health::kUnhealthy: return "unhealthy";
  }
  return "none";
}

nlohmann::json Time(const std::optional<supervisor::ServiceSnapshot::WallTime>& when) {
  if (!when) return nullptr;
  logmux::TimestampFormatter format;
  return std::string(format.Format(*when));
}

nlohmann::json ServiceJson(const supervisor::ServiceSnapshot& snap) {
  const auto& s = snap.status;
  nlohmann::json out = {{"name", snap.name},
                        {"state", PhaseName(s.phase)},
                        {"health", HealthName(s.health)},
                        {"restarts", s.restarts},
                        {"stopped_by_request", s.stopped_by_request}};
  out["started_at"] = Time(snap.started_at);
  out["ready_at"] = Time(snap.ready_at);
  out["pid"] = s.pid > 0 ? nlohmann::json(s.pid) : nlohmann::json(nullptr);
  out["failure"] = s.failure.empty() ? nlohmann::json(nullptr) : nlohmann::json(s.failure);
  out["waiting_for"] =
      s.waiting_for.empty() ? nlohmann::json(nullptr) : nlohmann::json(s.waiting_for);
  return out;
}

}  // namespace

void AddServiceRoutes(Router& router, supervisor::Supervisor& supervisor) {
  router.Add("GET", "/v1/services", [&supervisor](const Request&, std::unique_ptr<Reply> reply) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& snap : supervisor.Snapshot()) list.push_back({{"name", snap.name}});
    reply->Json(200, {{"services", list}});
  });
  router.Add("GET", "/v1/stack", [&supervisor](const Request&, std::unique_ptr<Reply> reply) {
    nlohmann::json list = nlohmann::json::array();
    bool starting = false;
    for (const auto& snap : supervisor.Snapshot()) {
      list.push_back(ServiceJson(snap));
      auto phase = snap.status.phase;
      starting |= phase == supervisor::Phase::kWaiting || phase == supervisor::Phase::kStarting;
    }
    const char* state = supervisor.stopping() ? "stopping" : starting ? "starting" : "running";
    reply->Json(200, {{"project", supervisor.manifest().name},
                      {"pid", ::getpid()},
                      {"state", state},
                      {"services", list}});
  });
  router.Add("POST", "/v1/stack/stop",
             [&supervisor](const Request& r, std::unique_ptr<Reply> reply) {
    std::optional<config::Duration> grace;
    if (auto it = r.query.find("timeout"); it != r.query.end()) {
      char* end = nullptr;
      double seconds = std::strtod(it->second.c_str(), &end);
      if (it->second.empty() || *end != '\0' || !(seconds >= 0) || seconds > 86400) {
        reply->Error(400, "timeout: expected seconds (0 to 86400), got '" + it->second + "'");
        return;
      }
      grace = std::chrono::duration_cast<config::Duration>(std::chrono::duration<double>(seconds));
    }
    supervisor.Down(grace);
    reply->Json(202, {{"action", "stop"}});
  });
}

}  // namespace stackvisor::control
