#include "app/detach_wait.h"

#include <sys/wait.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <iostream>
#include <sstream>
#include <thread>

#include "app/detach.h"
#include "app/down_command.h"
#include "app/stack_verdict.h"
#include "control/client.h"
#include "control/runtime_dir.h"

namespace stackvisor::app {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::chrono::milliseconds kPoll{100};
constexpr size_t kServiceLines = 10;
constexpr size_t kDaemonLines = 20;

std::string Seconds(double s) {
  std::ostringstream out;
  out << s << "s";
  return out.str();
}

// The daemon is our child until we exit: waitpid tells its death exactly (no pid reuse).
std::optional<std::string> DaemonEnded(pid_t pid) {
  int status = 0;
  if (::waitpid(pid, &status, WNOHANG) != pid) return std::nullopt;
  if (WIFEXITED(status)) return "exited with code " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "was killed by signal " + std::to_string(WTERMSIG(status));
  return "ended";
}

int DaemonDied(const DetachWait& wait, const std::string& how) {
  auto log = DaemonLogPath(wait.runtime_dir);
  std::cerr << "stackvisor: the stack's daemon (pid " << wait.daemon << ") " << how
            << " before every service was ready; the end of " << log.string() << ":\n"
            << TailOfFile(log, kDaemonLines);
  return 1;
}

void PrintServiceLines(control::Client& client, const std::filesystem::path& runtime_dir,
                       const std::string& service) {
  std::vector<std::string> lines;
  auto logs = client.Call("GET", "/v1/logs?service=" + service + "&tail=" +
                                     std::to_string(kServiceLines) + "&color=0");
  if (logs.ok() && logs.value().status == 200) {
    lines = ServiceLines(logs.value().body, service, kServiceLines);
    if (lines.empty()) {
      std::istringstream in(logs.value().body);
      for (std::string line; std::getline(in, line);) lines.push_back(line);
    }
  } else {
    // The log route may not be there (an older daemon): the log file has the same lines.
    std::ifstream in(DaemonLogPath(runtime_dir));
    std::stringstream text;
    text << in.rdbuf();
    lines = ServiceLines(text.str(), service, kServiceLines);
  }
  if (lines.empty()) return;
  std::cerr << "its last lines:\n";
  for (const auto& line : lines) std::cerr << "  " << line << "\n";
}

std::optional<Clock::time_point> DeadlineAfter(std::optional<double> timeout_s) {
  if (!timeout_s) return std::nullopt;
  return Clock::now() +
         std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(*timeout_s));
}

// The stack's answer with only `names` in its services list (all of them when `names` is
// empty): services left out are not judged.
nlohmann::json OnlyServices(nlohmann::json stack, const std::set<std::string>& names) {
  if (names.empty() || !stack.is_object()) return stack;
  auto services = stack.find("services");
  if (services == stack.end() || !services->is_array()) return stack;
  nlohmann::json kept = nlohmann::json::array();
  for (auto& svc : *services) {
    auto name = svc.find("name");
    if (name != svc.end() && name->is_string() && names.count(name->get<std::string>()) > 0)
      kept.push_back(std::move(svc));
  }
  *services = std::move(kept);
  return stack;
}

// Step 2 of `up -d`, and all of it against a running stack: GET /v1/stack until the services
// are ready or one failed. `gone` says, between polls, whether the stack went away (its exit
// code) or not (nullopt).
int PollUntilReady(const ReadyWait& wait, std::optional<Clock::time_point> deadline,
                   const std::function<std::optional<int>()>& gone) {
  auto timed_out = [&] { return deadline && Clock::now() >= *deadline; };
  control::Client client(control::ApiSocketPath(wait.runtime_dir), wait.project);
  std::string last_error;
  StackVerdict verdict;
  for (;;) {
    auto answer = client.Call("GET", "/v1/stack", {}, std::chrono::seconds(2));
    auto json = answer.ok() && answer.value().status == 200
                    ? nlohmann::json::parse(answer.value().body, nullptr, false)
                    : nlohmann::json(nlohmann::json::value_t::discarded);
    if (!json.is_discarded()) {
      verdict = JudgeStack(OnlyServices(std::move(json), wait.services), wait.one_shots);
      if (verdict.kind == StackVerdict::Kind::kReady) {
        for (const auto& line : verdict.lines) std::cout << line << "\n";
        return 0;
      }
      if (verdict.kind == StackVerdict::Kind::kFailed) {
        if (verdict.service.empty()) {
          std::cerr << "stackvisor: " << verdict.reason << "\n";
        } else {
          std::cerr << "stackvisor: service " << verdict.service
                    << " failed: " << verdict.reason << "\n";
          PrintServiceLines(client, wait.runtime_dir, verdict.service);
        }
        std::cerr << "the stack is left running: `stackvisor down` stops it\n";
        return 1;
      }
    } else {
      last_error = !answer.ok() ? answer.error().message
                   : answer.value().status != 200
                       ? "GET /v1/stack answered " + std::to_string(answer.value().status)
                       : "GET /v1/stack answered with invalid JSON: " + answer.value().body;
    }
    if (auto code = gone()) return *code;
    if (timed_out()) {
      std::cerr << "stackvisor: --wait-timeout " << Seconds(*wait.timeout_s)
                << " passed before every service was ready";
      if (!verdict.lines.empty()) {
        std::cerr << "; not ready: ";
        for (size_t i = 0; i < verdict.lines.size(); ++i)
          std::cerr << (i > 0 ? "; " : "") << verdict.lines[i];
      } else if (!last_error.empty()) {
        std::cerr << "; " << last_error;
      }
      std::cerr << "\nthe stack is left running: `stackvisor down` stops it\n";
      return 1;
    }
    std::this_thread::sleep_for(kPoll);
  }
}

}  // namespace

std::set<std::string> OneShots(const config::Manifest& manifest) {
  std::set<std::string> names;
  for (const auto& svc : manifest.services) {
    for (const auto& dep : svc.depends_on) {
      if (dep.condition == config::DependCondition::kCompletedSuccessfully)
        names.insert(dep.service);
    }
  }
  return names;
}

int WaitForDetachedStack(const DetachWait& wait) {
  const auto deadline = DeadlineAfter(wait.timeout_s);
  auto timed_out = [&] { return deadline && Clock::now() >= *deadline; };

  // 1. The daemon's report: it has its runtime directory and API, or why not.
  for (;;) {
    if (auto report = ReadStartupReport(wait.status_fd, static_cast<int>(kPoll.count()))) {
      if (report->empty()) break;
      if (*report == kNoReport) {
        for (int i = 0; i < 50; ++i) {
          if (auto how = DaemonEnded(wait.daemon)) return DaemonDied(wait, *how);
          std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        return DaemonDied(wait, "closed its startup pipe");
      }
      std::cerr << "stackvisor: " << *report << "; nothing was started\n";
      // It is on its way out: reap it rather than leave a zombie to an init that may not.
      for (int i = 0; i < 50 && !DaemonEnded(wait.daemon); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      return 1;
    }
    if (auto how = DaemonEnded(wait.daemon)) return DaemonDied(wait, *how);
    if (timed_out()) {
      std::cerr << "stackvisor: --wait-timeout " << Seconds(*wait.timeout_s)
                << " passed before the daemon (pid " << wait.daemon
                << ") served its API; it is left running (see " +
                       DaemonLogPath(wait.runtime_dir).string() + ")\n";
      return 1;
    }
  }
  RecordDaemon(wait.runtime_dir, wait.daemon);
  ReadyWait ready{wait.runtime_dir, wait.project, wait.timeout_s, wait.one_shots, {}};
  return PollUntilReady(ready, deadline, [&]() -> std::optional<int> {
    if (auto how = DaemonEnded(wait.daemon)) return DaemonDied(wait, *how);
    return std::nullopt;
  });
}

int WaitForRunningStack(const ReadyWait& wait) {
  const auto deadline = DeadlineAfter(wait.timeout_s);
  const auto socket = control::ApiSocketPath(wait.runtime_dir);
  return PollUntilReady(wait, deadline, [&]() -> std::optional<int> {
    // Not our child: the stack is gone when its socket is.
    std::error_code ec;
    if (std::filesystem::exists(socket, ec) || ec) return std::nullopt;
    std::cerr << "stackvisor: the stack stopped before every service was ready (see "
              << DaemonLogPath(wait.runtime_dir).string() << ")\n";
    return 1;
  });
}

}  // namespace stackvisor::app
