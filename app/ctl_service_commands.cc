// `start`, `stop`, `restart`, `kill`: one request per service, then (but for kill) wait, as
// compose does, until the service got there.
#include <chrono>
#include <iostream>
#include <thread>

#include "app/ctl_internal.h"

namespace stackvisor::app::ctl {
namespace {

using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

bool In(const std::string& state, std::initializer_list<const char*> states) {
  for (const char* s : states)
    if (state == s) return true;
  return false;
}

// Whether `now` shows the command done: stopped, or (re)started with a process or failed.
bool Arrived(const std::string& verb, const nlohmann::json& before, const nlohmann::json& now) {
  const std::string state = now.value("state", "");
  if (verb == "stop") return In(state, {"stopped", "completed", "failed"});
  if (In(state, {"failed"})) return true;
  const bool started = In(state, {"starting", "running", "completed"});
  if (verb == "start") return started;
  return started && now["started_at"] != before["started_at"];  // restart: a new process
}

// How long the service may take: its stop grace (or -t) and a margin for a noisy machine.
std::chrono::milliseconds Deadline(const ControlInvocation& ctl, const config::Manifest& manifest,
                                   const std::string& name) {
  std::chrono::milliseconds grace = 10s;
  if (ctl.timeout) {
    // Non-negative (CLI check): truncating after adding a half rounds, without libm.
    grace = std::chrono::milliseconds(static_cast<int64_t>(*ctl.timeout * 1000 + 0.5));
  } else if (const auto* svc = manifest.Find(name)) {
    grace = svc->stop_grace_period;
  }
  return grace + (ctl.verb == "stop" ? 15s : 60s);
}

const char* PastTense(const std::string& verb) {
  if (verb == "start") return "started";
  if (verb == "stop") return "stopped";
  if (verb == "restart") return "restarted";
  return "signalled";
}

bool WaitFor(control::Client& client, const ControlInvocation& ctl, const std::string& name,
             const nlohmann::json& before, std::chrono::milliseconds limit) {
  const auto deadline = SteadyClock::now() + limit;
  const std::string target = "/v1/services/" + QueryEscape(name);
  while (true) {
    auto now = CallJson(client, "GET", target);
    if (!now) return false;
    if (Arrived(ctl.verb, before, *now)) {
      if (now->value("state", "") == "failed" && ctl.verb != "stop") {
        std::cerr << "stackvisor: " << name << " failed: " << now->value("failure", "") << "\n";
        return false;
      }
      return true;
    }
    if (SteadyClock::now() >= deadline) {
      std::cerr << "stackvisor: timed out waiting for " << name << " to be "
                << PastTense(ctl.verb) << " (state " << now->value("state", "?") << ")\n";
      return false;
    }
    std::this_thread::sleep_for(20ms);
  }
}

}  // namespace

int RunServiceCommand(control::Client& client, const ControlInvocation& ctl,
                      const config::Manifest& manifest) {
  int code = 0;
  for (const auto& asked : ctl.services) {
    // A group name means each of its replicas: each is commanded and waited for by its name.
    auto replicas = FetchServices(client, {asked});
    if (!replicas) {
      code = 1;
      continue;
    }
    std::vector<const nlohmann::json*> posted;
    for (const auto& before : *replicas) {
      const std::string name = before.value("name", "");
      std::string target = "/v1/services/" + QueryEscape(name) + "/" + ctl.verb;
      if (ctl.verb == "kill") target += "?signal=" + QueryEscape(ctl.signal);
      if (ctl.timeout) {
        char seconds[32];
        std::snprintf(seconds, sizeof seconds, "%.3f", *ctl.timeout);
        target += std::string("?timeout=") + seconds;
      }
      if (!CallJson(client, "POST", target)) {
        code = 1;
        continue;
      }
      posted.push_back(&before);
    }
    // Every replica commanded before any is waited for: they stop and start together.
    for (const nlohmann::json* before : posted) {
      const std::string name = before->value("name", "");
      if (ctl.verb != "kill" &&
          !WaitFor(client, ctl, name, *before, Deadline(ctl, manifest, name))) {
        code = 1;
        continue;
      }
      std::cout << name << ": " << PastTense(ctl.verb) << "\n";
    }
  }
  return code;
}

}  // namespace stackvisor::app::ctl
