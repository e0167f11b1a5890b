#include "app/run_dependencies.h"

#include <sys/wait.h>
#include <unistd.h>

#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

namespace stackvisor::app {
namespace {

using Clock = std::chrono::steady_clock;

const char* ConditionName(config::DependCondition condition) {
  switch (condition) {
    case config::DependCondition::kStarted: return "started";
    case config::DependCondition::kHealthy: return "healthy";
    case config::DependCondition::kCompletedSuccessfully: return "completed successfully";
  }
  return "?";
}

}  // namespace

bool IsNoStack(const base::Error& error) {
  return error.message.rfind("no stack is running", 0) == 0;
}

std::optional<std::string> DependencyFailed(const std::string& state,
                                            const std::string& failure) {
  if (state != "failed") return std::nullopt;
  return failure.empty() ? std::string("failed") : "failed: " + failure;
}

bool ConditionMet(config::DependCondition condition, const std::string& state,
                  const std::string& health) {
  switch (condition) {
    // A one-shot that already did its work has started as far as its dependents care.
    case config::DependCondition::kStarted: return state == "running" || state == "completed";
    case config::DependCondition::kHealthy: return state == "running" && health == "healthy";
    case config::DependCondition::kCompletedSuccessfully: return state == "completed";
  }
  return false;
}

int StartDependencies(control::Client& client, const config::Service& service) {
  for (const auto& dep : service.depends_on) {
    auto response = client.Call("POST", "/v1/services/" + dep.service + "/start");
    if (!response.ok()) {
      std::cerr << "stackvisor: start " << dep.service << ": " << response.error().message << "\n";
      return 1;
    }
    int status = response.value().status;
    if (status / 100 != 2 && status != 409) {  // 409: nothing to start, it is already up
      std::cerr << "stackvisor: start " << dep.service << ": " << response.value().body;
      return 1;
    }
  }
  auto deadline = Clock::now() + kDependencyTimeout;
  std::map<std::string, std::string> last;  // dependency -> "state, health" last seen
  while (true) {
    auto response = client.Call("GET", "/v1/services");
    if (!response.ok()) {
      std::cerr << "stackvisor: " << response.error().message << "\n";
      return 1;
    }
    auto doc = nlohmann::json::parse(response.value().body, nullptr, false);
    std::map<std::string, nlohmann::json> by_name;
    if (doc.is_object() && doc["services"].is_array())
      for (const auto& s : doc["services"])
        if (s.is_object()) by_name[s.value("name", "")] = s;
    bool all_met = true;
    for (const auto& dep : service.depends_on) {
      auto it = by_name.find(dep.service);
      if (it == by_name.end()) {
        std::cerr << "stackvisor: dependency " << dep.service << " of " << service.name
                  << " is not part of the running stack\n";
        return 1;
      }
      const auto& s = it->second;
      std::string state = s.value("state", ""), health = s.value("health", "");
      std::string failure = s["failure"].is_string() ? s["failure"].get<std::string>() : "";
      if (auto why = DependencyFailed(state, failure)) {
        std::cerr << "stackvisor: dependency " << dep.service << " of " << service.name << " "
                  << *why << "\n";
        return 1;
      }
      last[dep.service] = state + ", health " + health;
      if (!ConditionMet(dep.condition, state, health)) all_met = false;
    }
    if (all_met) return 0;
    if (Clock::now() >= deadline) {
      for (const auto& dep : service.depends_on) {
        std::cerr << "stackvisor: timed out after " << kDependencyTimeout.count()
                  << " s waiting for " << dep.service << " to be " << ConditionName(dep.condition)
                  << " (" << last[dep.service] << ")\n";
      }
      return 1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

int StartDetachedStack(const Invocation& inv, const config::Service& service) {
  std::vector<std::string> args = {"stackvisor", "up", "-d", "--wait"};
  for (const auto& f : inv.load.files) args.insert(args.end(), {"-f", f});
  if (!inv.load.project_name.empty()) args.insert(args.end(), {"-p", inv.load.project_name});
  if (!inv.load.project_directory.empty())
    args.insert(args.end(), {"--project-directory", inv.load.project_directory});
  for (const auto& p : inv.load.profiles) args.insert(args.end(), {"--profile", p});
  for (const auto& e : inv.load.env_files) args.insert(args.end(), {"--env-file", e});
  for (const auto& dep : service.depends_on) args.push_back(dep.service);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::cout.flush();
  pid_t pid = fork();
  if (pid < 0) {
    std::cerr << "stackvisor: fork for `up -d`: " << strerror(errno) << "\n";
    return 1;
  }
  if (pid == 0) {
    // Its progress lines go to stderr: stdout is the command's, for a `run ... > file`.
    dup2(STDERR_FILENO, STDOUT_FILENO);
    execv("/proc/self/exe", argv.data());
    _exit(127);
  }
  // Our only child, and no loop or reaper here: waiting for it directly is safe.
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  if (code != 0)
    std::cerr << "stackvisor: run: starting the dependencies of " << service.name
              << " (`up -d --wait`) failed with exit code " << code << "\n";
  return code;
}

}  // namespace stackvisor::app
