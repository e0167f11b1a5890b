#include "app/down_command.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>

#include "app/detach.h"
#include "app/project_client.h"
#include "base/result.h"
#include "base/unique_fd.h"

namespace stackvisor::app {
namespace fs = std::filesystem;
namespace {

// Field 22 of /proc/PID/stat: the start time in clock ticks since boot; "" when it is gone.
// The command name (field 2) may hold spaces and parentheses, so count from the last ')'.
std::string StartTime(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t paren = stat.rfind(')');
  if (paren == std::string::npos) return "";
  std::istringstream fields(stat.substr(paren + 1));
  std::string field;
  std::string state;
  fields >> state;  // field 3
  if (state == "Z" || state == "X") return "";
  for (int i = 4; i <= 22 && fields >> field; ++i) {
  }
  return field;
}

}  // namespace

bool RuntimeDirLocked(const fs::path& runtime_dir) {
  fs::path lock_path = runtime_dir / "lock";
  base::UniqueFd fd(::open(lock_path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd.valid()) return false;  // never created: nobody ever ran the project here
  // A shared lock is refused only while the stack holds its exclusive one; ours goes with fd.
  return ::flock(fd.get(), LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
}

void RecordDaemon(const fs::path& runtime_dir, pid_t pid) {
  fs::path path = DaemonPidPath(runtime_dir);
  base::UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
                           0600));
  std::string text = std::to_string(pid) + " " + StartTime(pid) + "\n";
  // Without it `down` still waits for the lock; it only cannot also wait for the relay.
  if (!fd.valid() || ::write(fd.get(), text.data(), text.size()) < 0)
    std::cerr << "stackvisor: " << base::ErrnoMessage("write " + path.string(), errno) << "\n";
}

std::optional<pid_t> LiveDaemon(const fs::path& runtime_dir) {
  std::ifstream in(DaemonPidPath(runtime_dir));
  pid_t pid = 0;
  std::string started;
  if (!(in >> pid >> started) || pid <= 0) return std::nullopt;
  if (StartTime(pid) != started) return std::nullopt;
  return pid;
}

int RunDown(const Invocation& inv) {
  auto target = LocateProject(inv);
  if (!target) return 2;
  const std::string& project = target->manifest.name;
  if (!RuntimeDirLocked(target->runtime_dir)) {
    std::cerr << "stackvisor: no stack is running for project " << project << " (in "
              << target->runtime_dir.string() << "); nothing to stop\n";
    return 0;
  }
  config::Duration grace{0};
  if (inv.down_timeout_s) {
    grace = std::chrono::seconds(*inv.down_timeout_s);
  } else {
    for (const auto& svc : target->manifest.services)
      grace = std::max(grace, svc.stop_grace_period);
  }
  std::string request = "/v1/stack/stop";
  if (inv.down_timeout_s) request += "?timeout=" + std::to_string(*inv.down_timeout_s);
  auto client = MakeClient(*target);
  auto answer = client->Call("POST", request);
  if (answer.ok() && answer.value().status != 202) {
    std::cerr << "stackvisor: POST " << request << " answered " << answer.value().status << ": "
              << answer.value().body << "\n";
    return 1;
  }
  // A failed call is not yet an error: the stack may have gone down by itself meanwhile.
  auto deadline = std::chrono::steady_clock::now() + grace + std::chrono::seconds(10);
  for (;;) {
    bool locked = RuntimeDirLocked(target->runtime_dir);
    auto daemon = LiveDaemon(target->runtime_dir);
    if (!locked && !daemon) {
      std::error_code ignored;
      fs::remove(DaemonPidPath(target->runtime_dir), ignored);
      std::cerr << "stackvisor: project " << project << " is down\n";
      return 0;
    }
    if (!answer.ok() && locked) {
      PrintClientError(answer.error());
      return 1;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      std::cerr << "stackvisor: project " << project << " did not go away within "
                << std::chrono::duration_cast<std::chrono::seconds>(grace).count() + 10
                << " s of the stop request: "
                << (locked ? "its runtime directory " + target->runtime_dir.string() +
                                 " is still locked"
                           : "its daemon (pid " + std::to_string(*daemon) + ") is still alive")
                << "\n";
      return 1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

}  // namespace stackvisor::app
