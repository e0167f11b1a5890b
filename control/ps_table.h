#pragma once
// What `ps` prints from the API's Service objects, and what `top` reads of /proc: pure text
// and parsing, so the CLI verbs stay I/O only.
#include <sys/types.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace stackvisor::control {

/// `ps` without --all hides what compose hides, services that are not running: one-shots that
/// completed and services stopped on request. Failed ones stay visible: they need attention.
bool ShownByDefault(const nlohmann::json& service);
bool StateShownByDefault(std::string_view state);

/// "45s", "3m12s", "2h05m", "3d04h"; "-" for null.
std::string FormatUptime(const nlohmann::json& seconds);

/// The table: SERVICE STATE HEALTH PID RESTARTS UPTIME LAST EXIT, one row per Service object,
/// columns padded to their widest cell; "-" for what a service has not.
std::string PsTable(const std::vector<nlohmann::json>& services);

/// What `top` needs of /proc/PID/stat.
struct ProcStat {
  pid_t pid = 0;
  pid_t ppid = 0;
  uint64_t cpu_ticks = 0;  // utime + stime, in clock ticks
  int64_t rss_pages = 0;
};

/// Parses /proc/PID/stat text; the command name may hold spaces and parentheses.
std::optional<ProcStat> ParseProcStat(std::string_view text);

/// The pid in the innermost PID namespace from /proc/PID/status text (the last NSpid field),
/// or nullopt when there is no NSpid line.
std::optional<pid_t> InnermostPid(std::string_view status);

/// "512K", "12.3M", "1.2G".
std::string FormatBytes(uint64_t bytes);

/// One `top` table for one service's processes (already sampled).
struct TopRow {
  pid_t pid = 0;
  pid_t ppid = 0;
  double cpu_percent = 0;
  uint64_t rss_bytes = 0;
  std::string command;
};
std::string TopTable(const std::vector<TopRow>& rows);

}  // namespace stackvisor::control
