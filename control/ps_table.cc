#include "control/ps_table.h"

#include <charconv>
#include <cstdio>

#include "config/port_spec.h"

namespace stackvisor::control {
namespace {

std::string Text(const nlohmann::json& value) {
  if (value.is_null()) return "-";
  if (value.is_string()) return value.get<std::string>();
  return value.dump();
}

// Left-aligned columns separated by three spaces; the last column is not padded.
std::string Table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width;
  for (const auto& row : rows) {
    if (width.size() < row.size()) width.resize(row.size(), 0);
    for (size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  }
  std::string out;
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size(); ++i) {
      out += row[i];
      if (i + 1 < row.size()) out.append(width[i] - row[i].size() + 3, ' ');
    }
    out += '\n';
  }
  return out;
}

std::string Fixed(double value, int decimals) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  return buf;
}

// As `docker compose ps` shows them: "0.0.0.0:1337->80/tcp, 9000/udp"; "-" for none.
std::string PortsText(const nlohmann::json& ports) {
  if (!ports.is_array() || ports.empty()) return "-";
  std::string out;
  for (const auto& p : ports) {
    if (!p.is_object()) continue;
    config::Port port;
    port.port = p.value("port", uint16_t{0});
    port.protocol = p.value("protocol", std::string("tcp"));
    if (p.contains("published") && p["published"].is_number())
      port.published = p["published"].get<uint16_t>();
    if (p.contains("host_ip") && p["host_ip"].is_string()) port.host_ip = p["host_ip"].get<std::string>();
    out += (out.empty() ? "" : ", ") + config::FormatPortMapping(port);
  }
  return out;
}

}  // namespace

bool ShownByDefault(const nlohmann::json& service) {
  return StateShownByDefault(service.value("state", ""));
}

bool StateShownByDefault(std::string_view state) {
  return state != "completed" && state != "stopped";
}

std::string FormatUptime(const nlohmann::json& seconds) {
  if (!seconds.is_number()) return "-";
  const auto total = static_cast<int64_t>(seconds.get<double>());
  char buf[32];
  if (total < 60) {
    std::snprintf(buf, sizeof buf, "%llds", static_cast<long long>(total));
  } else if (total < 3600) {
    std::snprintf(buf, sizeof buf, "%lldm%02llds", static_cast<long long>(total / 60),
                  static_cast<long long>(total % 60));
  } else if (total < 86400) {
    std::snprintf(buf, sizeof buf, "%lldh%02lldm", static_cast<long long>(total / 3600),
                  static_cast<long long>(total % 3600 / 60));
  } else {
    std::snprintf(buf, sizeof buf, "%lldd%02lldh", static_cast<long long>(total / 86400),
                  static_cast<long long>(total % 86400 / 3600));
  }
  return buf;
}

std::string PsTable(const std::vector<nlohmann::json>& services) {
  std::vector<std::vector<std::string>> rows = {
      {"SERVICE", "STATE", "HEALTH", "PID", "RESTARTS", "UPTIME", "LAST EXIT", "PORTS"}};
  for (const auto& s : services) {
    const std::string health = s.value("health", "none");
    const auto& last = s.contains("last_exit") ? s["last_exit"] : nlohmann::json();
    rows.push_back({Text(s.value("name", nlohmann::json())), Text(s.value("state", nlohmann::json())),
                    health == "none" ? "-" : health, Text(s.value("pid", nlohmann::json())),
                    Text(s.value("restarts", nlohmann::json(0))),
                    FormatUptime(s.value("uptime_s", nlohmann::json())),
                    last.is_object() ? Text(last.value("description", nlohmann::json())) : "-",
                    PortsText(s.value("ports", nlohmann::json()))});
  }
  return Table(rows);
}

std::optional<ProcStat> ParseProcStat(std::string_view text) {
  // "PID (COMM) STATE PPID ..." where COMM may hold ") ": the fields start after the last ')'.
  const size_t close = text.rfind(')');
  if (close == std::string_view::npos) return std::nullopt;
  ProcStat stat;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), stat.pid);
  if (ec != std::errc()) return std::nullopt;
  std::vector<std::string_view> fields;  // fields[0] is field 3 (state)
  size_t at = close + 1;
  while (at < text.size()) {
    while (at < text.size() && (text[at] == ' ' || text[at] == '\n')) ++at;
    size_t stop = at;
    while (stop < text.size() && text[stop] != ' ' && text[stop] != '\n') ++stop;
    if (stop > at) fields.push_back(text.substr(at, stop - at));
    at = stop;
  }
  // proc(5): ppid is field 4, utime 14, stime 15, rss 24.
  if (fields.size() < 22) return std::nullopt;
  auto number = [&](size_t field, auto& out) {
    std::string_view f = fields[field - 3];
    return std::from_chars(f.data(), f.data() + f.size(), out).ec == std::errc();
  };
  uint64_t utime = 0, stime = 0;
  if (!number(4, stat.ppid) || !number(14, utime) || !number(15, stime) ||
      !number(24, stat.rss_pages))
    return std::nullopt;
  stat.cpu_ticks = utime + stime;
  return stat;
}

std::optional<pid_t> InnermostPid(std::string_view status) {
  size_t at = status.rfind("\nNSpid:");
  if (at == std::string_view::npos) {
    if (status.rfind("NSpid:", 0) != 0) return std::nullopt;
  } else {
    status.remove_prefix(at + 1);
  }
  status = status.substr(0, status.find('\n'));
  const size_t last = status.find_last_of(" \t");
  if (last == std::string_view::npos) return std::nullopt;
  pid_t pid = 0;
  const auto digits = status.substr(last + 1);
  if (digits.empty()) return std::nullopt;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    pid = pid * 10 + (c - '0');
  }
  return pid;
}

std::string FormatBytes(uint64_t bytes) {
  const double k = 1024.0;
  if (bytes < 1024 * 1024) return Fixed(static_cast<double>(bytes) / k, 0) + "K";
  if (bytes < 1024ull * 1024 * 1024) return Fixed(static_cast<double>(bytes) / k / k, 1) + "M";
  return Fixed(static_cast<double>(bytes) / k / k / k, 1) + "G";
}

std::string TopTable(const std::vector<TopRow>& rows) {
  std::vector<std::vector<std::string>> cells = {{"PID", "PPID", "%CPU", "RSS", "COMMAND"}};
  for (const auto& row : rows) {
    cells.push_back({std::to_string(row.pid), std::to_string(row.ppid),
                     Fixed(row.cpu_percent, 1), FormatBytes(row.rss_bytes), row.command});
  }
  return Table(cells);
}

}  // namespace stackvisor::control
