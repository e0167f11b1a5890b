// Who holds a port: /proc/net/{tcp,udp}{,6} give the socket's inode, /proc/*/fd the process.
#include <dirent.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "supervisor/port_preflight.h"

namespace stackvisor::supervisor {
namespace {

std::string ReadText(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The command line of a process, its NULs turned into spaces; its comm when the line is empty.
std::string CommandOf(pid_t pid) {
  std::string line = ReadText("/proc/" + std::to_string(pid) + "/cmdline");
  while (!line.empty() && line.back() == '\0') line.pop_back();
  for (char& c : line)
    if (c == '\0') c = ' ';
  if (line.empty()) {
    line = ReadText("/proc/" + std::to_string(pid) + "/comm");
    while (!line.empty() && line.back() == '\n') line.pop_back();
  }
  constexpr size_t kShown = 120;  // enough to recognise it
  if (line.size() > kShown) line = line.substr(0, kShown) + "...";
  return line;
}

bool HasSocketFd(pid_t pid, const std::vector<std::string>& links) {
  const std::string dir = "/proc/" + std::to_string(pid) + "/fd";
  DIR* fds = opendir(dir.c_str());
  if (fds == nullptr) return false;  // not ours to read, or gone
  bool found = false;
  char target[64];
  while (dirent* e = readdir(fds)) {
    if (e->d_name[0] == '.') continue;
    const ssize_t n = readlink((dir + "/" + e->d_name).c_str(), target, sizeof target - 1);
    if (n <= 0) continue;
    target[n] = '\0';
    for (const auto& link : links) found = found || link == target;
    if (found) break;
  }
  closedir(fds);
  return found;
}

}  // namespace

std::vector<ProcNetSocket> ParseProcNet(std::string_view text) {
  std::vector<ProcNetSocket> out;
  std::istringstream lines{std::string(text)};
  std::string line;
  std::getline(lines, line);  // the header
  while (std::getline(lines, line)) {
    std::istringstream fields(line);
    std::string slot, local, remote, state, queues, timer, retransmits, uid, timeout, inode;
    if (!(fields >> slot >> local >> remote >> state >> queues >> timer >> retransmits >> uid >>
          timeout >> inode))
      continue;
    const size_t colon = local.rfind(':');
    if (colon == std::string::npos) continue;
    char* end = nullptr;
    const unsigned long port = std::strtoul(local.c_str() + colon + 1, &end, 16);
    if (*end != '\0' || port > 65535) continue;
    ProcNetSocket s;
    s.port = static_cast<uint16_t>(port);
    s.state = static_cast<int>(std::strtol(state.c_str(), nullptr, 16));
    s.inode = std::strtoul(inode.c_str(), nullptr, 10);
    out.push_back(s);
  }
  return out;
}

std::vector<unsigned long> HoldingInodes(const std::vector<ProcNetSocket>& sockets,
                                         uint16_t port, bool tcp) {
  constexpr int kTcpListen = 0x0A, kUdpUnconnected = 0x07;
  std::vector<unsigned long> out;
  for (const auto& s : sockets)
    if (s.port == port && s.state == (tcp ? kTcpListen : kUdpUnconnected) && s.inode != 0)
      out.push_back(s.inode);
  return out;
}

PortHolder FindPortHolder(uint16_t port, bool tcp) {
  std::vector<std::string> links;
  for (const char* table : tcp ? std::vector<const char*>{"/proc/net/tcp", "/proc/net/tcp6"}
                               : std::vector<const char*>{"/proc/net/udp", "/proc/net/udp6"})
    for (unsigned long inode : HoldingInodes(ParseProcNet(ReadText(table)), port, tcp))
      links.push_back("socket:[" + std::to_string(inode) + "]");
  PortHolder holder;
  if (links.empty()) return holder;
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return holder;
  while (dirent* e = readdir(proc)) {
    char* end = nullptr;
    const long pid = std::strtol(e->d_name, &end, 10);
    if (*end != '\0' || pid <= 0) continue;
    if (HasSocketFd(static_cast<pid_t>(pid), links)) {
      holder.pid = static_cast<pid_t>(pid);
      holder.command = CommandOf(holder.pid);
      break;
    }
  }
  closedir(proc);
  return holder;
}

int ReadUnprivilegedPortStart() {
  const std::string text = ReadText("/proc/sys/net/ipv4/ip_unprivileged_port_start");
  char* end = nullptr;
  const long value = std::strtol(text.c_str(), &end, 10);
  if (end == text.c_str() || value < 0 || value > 65536) return 1024;
  return static_cast<int>(value);
}

}  // namespace stackvisor::supervisor
