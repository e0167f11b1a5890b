// `top`: each service's processes (from the API) with what /proc says of them, CPU sampled
// over a short window.
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <thread>

#include "app/ctl_internal.h"
#include "control/ps_table.h"

namespace stackvisor::app::ctl {
namespace {

constexpr auto kSampleWindow = std::chrono::milliseconds(200);

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::optional<control::ProcStat> Stat(pid_t pid) {
  return control::ParseProcStat(ReadFile("/proc/" + std::to_string(pid) + "/stat"));
}

std::string CommandLine(pid_t pid) {
  std::string text = ReadFile("/proc/" + std::to_string(pid) + "/cmdline");
  while (!text.empty() && text.back() == '\0') text.pop_back();
  for (char& c : text)
    if (c == '\0') c = ' ';
  return text;
}

std::string PidNamespace(pid_t pid) {
  std::error_code ec;
  auto link = std::filesystem::read_symlink("/proc/" + std::to_string(pid) + "/ns/pid", ec);
  return ec ? std::string() : link.string();
}

// The API's pids are those of the server's PID namespace. When the stack runs in its own (as
// an ordinary user without a cgroup), /proc here knows them by other numbers: map each
// process of that namespace from its innermost pid (NSpid's last field) to ours. nullopt when
// the server shares our namespace (or cannot be seen): the pids need no translation.
std::optional<std::map<pid_t, pid_t>> HostPids(pid_t server) {
  if (server <= 0) return std::nullopt;
  const std::string ns = PidNamespace(server);
  if (ns.empty() || ns == PidNamespace(::getpid())) return std::nullopt;
  std::map<pid_t, pid_t> host;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    const pid_t pid = static_cast<pid_t>(std::stol(name));
    if (PidNamespace(pid) != ns) continue;
    if (auto inner = control::InnermostPid(ReadFile("/proc/" + name + "/status")))
      host[*inner] = pid;
  }
  return host;
}

}  // namespace

int RunTop(control::Client& client, const ControlInvocation& ctl) {
  auto services = FetchServices(client, ctl.services);
  if (!services) return 1;
  std::vector<std::pair<std::string, std::vector<pid_t>>> groups;
  for (const auto& s : *services) {
    const std::string name = s.value("name", "");
    auto body = CallJson(client, "GET", "/v1/services/" + QueryEscape(name) + "/processes");
    if (!body) return 1;
    groups.emplace_back(name, (*body)["pids"].get<std::vector<pid_t>>());
  }
  // Shown and read by the pid /proc here knows; a process not found in the namespace is gone.
  if (auto host = HostPids(client.server_pid())) {
    for (auto& [name, pids] : groups) {
      std::vector<pid_t> mapped;
      for (pid_t pid : pids)
        if (auto it = host->find(pid); it != host->end()) mapped.push_back(it->second);
      pids = std::move(mapped);
    }
  }
  // One window for every process: the first reading, a pause, the second.
  std::map<pid_t, control::ProcStat> first;
  for (const auto& [name, pids] : groups)
    for (pid_t pid : pids)
      if (auto stat = Stat(pid)) first[pid] = *stat;
  const auto begin = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(kSampleWindow);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
  const double ticks_per_second = static_cast<double>(sysconf(_SC_CLK_TCK));
  const auto page = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  bool first_group = true;
  for (const auto& [name, pids] : groups) {
    if (!first_group) std::cout << "\n";
    first_group = false;
    std::vector<control::TopRow> rows;
    for (pid_t pid : pids) {
      auto stat = Stat(pid);
      auto before = first.find(pid);
      if (!stat || before == first.end()) continue;  // gone meanwhile
      const double used = static_cast<double>(stat->cpu_ticks - before->second.cpu_ticks);
      rows.push_back({pid, stat->ppid, 100.0 * used / ticks_per_second / seconds,
                      static_cast<uint64_t>(std::max<int64_t>(stat->rss_pages, 0)) * page,
                      CommandLine(pid)});
    }
    if (rows.empty()) {
      std::cout << name << ": no processes\n";
      continue;
    }
    std::cout << name << "\n" << control::TopTable(rows);
  }
  return 0;
}

}  // namespace stackvisor::app::ctl
