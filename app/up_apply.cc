#include "app/up_apply.h"

#include <iostream>
#include <set>
#include <nlohmann/json.hpp>

#include "app/ctl_internal.h"
#include "app/detach_wait.h"
#include "app/project_client.h"
#include "app/process_setup.h"
#include "config/loader.h"
#include "control/client.h"
#include "control/runtime_dir.h"

namespace stackvisor::app {
namespace {

void PrintPlanLine(const std::string& service, const std::string& action,
                   const std::string& reason) {
  std::cout << action << std::string(action.size() < 8 ? 8 - action.size() : 1, ' ') << service;
  if (!reason.empty()) std::cout << " (" << reason << ")";
  std::cout << "\n";
}

// Prints the plan of an apply/scale answer; the exit code.
int PrintAnswer(const control::ClientResponse& response, bool dry_run) {
  nlohmann::json body = nlohmann::json::parse(response.body, nullptr, false);
  if (response.status >= 300) {
    // An invalid edit: the stack's own load found it; its diagnostics are the usual ones.
    std::string error = body.is_object() && body.contains("error") && body["error"].is_string()
                            ? body["error"].get<std::string>()
                            : response.body;
    std::cerr << error << (error.empty() || error.back() == '\n' ? "" : "\n");
    std::cerr << "stackvisor: the running stack was left as it was\n";
    return response.status == 400 ? 2 : 1;
  }
  if (!body.is_object() || !body.contains("services") || !body["services"].is_array()) {
    std::cerr << "stackvisor: unexpected answer from the stack\n";
    return 1;
  }
  for (const auto& entry : body["services"])
    PrintPlanLine(entry.value("service", ""), entry.value("action", ""), entry.value("reason", ""));
  std::cout << body.value("summary", "") << (dry_run ? " (dry run: nothing was changed)" : "")
            << "\n" << std::flush;
  return 0;
}

// The services an `up` against the running stack wants running: those the apply answer lists
// and does not stop (a service removed from the files), of the selection when there is one.
std::set<std::string> UpServices(const std::string& body, const std::vector<std::string>& selected) {
  std::set<std::string> names;
  nlohmann::json answer = nlohmann::json::parse(body, nullptr, false);
  if (!answer.is_object() || !answer.contains("services") || !answer["services"].is_array())
    return names;
  const std::set<std::string> only(selected.begin(), selected.end());
  for (const auto& entry : answer["services"]) {
    std::string name = entry.value("service", "");
    if (name.empty() || entry.value("action", "") == "stop") continue;
    if (only.empty() || only.count(name) > 0) names.insert(name);
  }
  return names;
}

}  // namespace

int RunScale(control::Client& client, const std::vector<std::string>& assignments) {
  std::string target = "/v1/stack/scale?";
  for (const auto& a : assignments) {
    auto eq = a.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == a.size()) {
      std::cerr << "stackvisor: scale: expected SERVICE=N, got '" << a << "'\n";
      return 2;
    }
    target += (target.back() == '?' ? "" : "&") + ctl::QueryEscape(a.substr(0, eq)) + "=" +
              ctl::QueryEscape(a.substr(eq + 1));
  }
  auto response = client.Call("POST", target);
  if (!response.ok()) {
    PrintClientError(response.error());
    return 1;
  }
  return PrintAnswer(response.value(), false);
}

int PrintStartPlan(const config::Manifest& manifest) {
  for (const auto& name : config::StartOrder(manifest)) PrintPlanLine(name, "start", "");
  std::cout << "0 kept, 0 restarted, " << manifest.services.size()
            << " started, 0 stopped (nothing is running)\n";
  return 0;
}

std::optional<int> ApplyToRunningStack(const Invocation& inv, const config::Manifest& manifest,
                                       const std::filesystem::path& runtime_dir) {
  control::Client client(control::ApiSocketPath(runtime_dir), manifest.name);
  std::string target = "/v1/stack/apply?dry_run=";
  target += inv.dry_run ? "1" : "0";
  if (inv.force_recreate) target += "&force_recreate=1";
  if (inv.no_recreate) target += "&no_recreate=1";
  // As compose's up: what it selects and is not running starts (docs/reload.md).
  target += "&up=1";
  if (!inv.load.services.empty()) {
    target += "&services=";
    for (size_t i = 0; i < inv.load.services.size(); ++i)
      target += (i ? "," : "") + ctl::QueryEscape(inv.load.services[i]);
  }
  auto response = client.Call("POST", target);
  if (!response.ok()) {
    if (response.error().message.rfind("no stack is running", 0) == 0) return std::nullopt;
    PrintClientError(response.error());
    return 1;
  }
  if (int code = PrintAnswer(response.value(), inv.dry_run); code != 0) return code;
  const bool detach = inv.detach || inv.wait || inv.wait_timeout_s.has_value();
  if (inv.dry_run) return 0;
  if (detach) {
    // As a first `up -d`: back once what this `up` asked for is ready, or say what failed.
    ReadyWait wait{runtime_dir, manifest.name, inv.wait_timeout_s, OneShots(manifest),
                   UpServices(response.value().body, inv.load.services)};
    if (wait.services.empty()) return 0;  // nothing of the stack is left to judge
    return WaitForRunningStack(wait);
  }
  // Attached: the logs from now on, as `logs -f` shows them.
  UnblockStopSignals();
  ControlInvocation ctl;
  ctl.verb = "logs";
  ctl.follow = true;
  ctl.tail = "0";
  ctl.no_color = inv.no_color;
  ctl.timestamps = inv.timestamps;
  return ctl::RunLogs(client, ctl);
}

}  // namespace stackvisor::app
