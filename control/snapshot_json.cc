#include "control/snapshot_json.h"

#include <algorithm>

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

nlohmann::json PortsJson(const std::vector<config::Port>& ports) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& p : ports)
    out.push_back({{"port", p.port},
                   {"protocol", p.protocol},
                   {"published", p.published ? nlohmann::json(*p.published) : nlohmann::json(nullptr)},
                   {"host_ip", TextOrNull(p.host_ip)}});
  return out;
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
      {"replica_of", TextOrNull(snap.replica_of)},
      {"replica", snap.replica > 0 ? nlohmann::json(snap.replica) : nlohmann::json(nullptr)},
      {"ports", PortsJson(snap.ports)},
      {"aliases", snap.aliases},
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

void AppendJsonString(std::string& out, std::string_view text) {
  // Printable ASCII but '"' and '\\' is what nlohmann writes unchanged: service names always
  // are, so only unusual failure texts pay for a dump.
  const bool plain = std::all_of(text.begin(), text.end(), [](char c) {
    return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
  });
  if (!plain) {
    out += nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return;
  }
  out += '"';
  out += text;
  out += '"';
}

void ServiceListWriter::AppendTime(
    std::string& out, const std::optional<std::chrono::system_clock::time_point>& time) {
  if (!time) {
    out += "null";
    return;
  }
  out += '"';
  out += formatter_.Format(*time);
  out += '"';
}

void ServiceListWriter::Append(std::string& out, const supervisor::ServiceSnapshot& snap) {
  const supervisor::ServiceStatus& st = snap.status;
  const bool has_process = st.pid > 0;
  auto text_or_null = [&out](const std::string& text) {
    if (text.empty()) out += "null";
    else AppendJsonString(out, text);
  };
  // The keys in the order nlohmann's std::map-backed objects dump them: sorted.
  out += "{\"aliases\":[";
  for (size_t i = 0; i < snap.aliases.size(); ++i) {
    if (i > 0) out += ',';
    AppendJsonString(out, snap.aliases[i]);
  }
  out += "],\"failure\":";
  text_or_null(st.failure);
  out += ",\"health\":\"";
  out += HealthName(st.health);
  out += "\",\"last_exit\":";
  if (st.last_exit_code) {
    out += "{\"at\":";
    AppendTime(out, snap.last_exit_at);
    out += ",\"code\":";
    out += std::to_string(*st.last_exit_code);
    out += ",\"description\":";
    AppendJsonString(out, st.last_exit);
    out += '}';
  } else {
    out += "null";
  }
  out += ",\"name\":";
  AppendJsonString(out, snap.name);
  out += ",\"pid\":";
  out += has_process ? std::to_string(st.pid) : "null";
  out += ",\"ports\":[";
  for (size_t i = 0; i < snap.ports.size(); ++i) {
    const config::Port& p = snap.ports[i];
    out += i > 0 ? ",{\"host_ip\":" : "{\"host_ip\":";
    text_or_null(p.host_ip);
    out += ",\"port\":" + std::to_string(p.port) + ",\"protocol\":";
    AppendJsonString(out, p.protocol);
    out += ",\"published\":";
    out += p.published ? std::to_string(*p.published) : "null";
    out += '}';
  }
  out += "]";
  out += ",\"ready_at\":";
  AppendTime(out, snap.ready_at);
  out += ",\"replica\":";
  out += snap.replica > 0 ? std::to_string(snap.replica) : "null";
  out += ",\"replica_of\":";
  text_or_null(snap.replica_of);
  out += ",\"restarts\":";
  out += std::to_string(st.restarts);
  out += ",\"started_at\":";
  AppendTime(out, snap.started_at);
  out += ",\"state\":\"";
  out += PhaseName(st.phase);
  out += "\",\"stopped_by_request\":";
  out += st.stopped_by_request ? "true" : "false";
  out += ",\"uptime_s\":";
  if (has_process && snap.started_at) {
    const auto up = std::max(now_ - *snap.started_at, std::chrono::system_clock::duration{0});
    // nlohmann's own number format (shortest round trip, ".0" on whole numbers).
    out += nlohmann::json(std::chrono::duration<double>(up).count()).dump();
  } else {
    out += "null";
  }
  out += ",\"waiting_for\":";
  text_or_null(st.waiting_for);
  out += '}';
}

void ServiceListWriter::AppendList(std::string& out,
                                   const std::vector<supervisor::ServiceSnapshot>& snaps) {
  // About 250 bytes a service: one allocation instead of a dozen doublings.
  out.reserve(out.size() + snaps.size() * 300 + 2);
  out += '[';
  for (size_t i = 0; i < snaps.size(); ++i) {
    if (i > 0) out += ',';
    Append(out, snaps[i]);
  }
  out += ']';
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
