#include "app/ctl_commands.h"

#include <CLI/CLI.hpp>
#include <iostream>

#include "app/ctl_internal.h"
#include "app/process_setup.h"
#include "app/project_client.h"
#include "app/up_apply.h"

namespace stackvisor::app {
namespace {

CLI::App* Verb(CLI::App& cli, Invocation& inv, ControlInvocation& ctl, const std::string& name,
               const std::string& help, bool short_file = true) {
  auto* cmd = cli.add_subcommand(name, help);
  // `logs` gives -f to --follow, as compose does.
  AddProjectOptions(cmd, inv, short_file);
  cmd->callback([&ctl, name] { ctl.verb = name; });
  return cmd;
}

}  // namespace

void AddControlCommands(CLI::App& cli, Invocation& inv, ControlInvocation& ctl) {
  auto* ps = Verb(cli, inv, ctl, "ps", "List the running stack's services and their state");
  ps->add_flag("--json", ctl.json, "One JSON array of Service objects (docs/api.md)");
  ps->add_flag("-a,--all", ctl.all, "Also completed one-shots and services stopped on request");
  ps->add_flag("-w,--watch", ctl.watch, "Redraw on every change until the stack stops");
  ps->add_option("services", ctl.services, "Only these services");

  auto* logs = Verb(cli, inv, ctl, "logs", "Print the services' logs", /*short_file=*/false);
  logs->add_flag("-f,--follow", ctl.follow, "Follow: keep printing new lines");
  logs->add_option("-n,--tail", ctl.tail, "Lines per service from the end (a number or all)");
  logs->add_option("--since", ctl.since,
                   "Lines since a time: RFC 3339, unix seconds, or a duration (10m, 30s)");
  logs->add_flag("-t,--timestamps", ctl.timestamps, "Prefix every line with its RFC 3339 time");
  logs->add_flag("--no-color", ctl.no_color, "Plain output (NO_COLOR is honoured too)");
  logs->add_option("services", ctl.services, "Only these services");

  auto* start = Verb(cli, inv, ctl, "start", "Start services (and what they depend on)");
  start->add_option("services", ctl.services, "Services to start")->required();
  for (const char* name : {"stop", "restart"}) {
    auto* cmd = Verb(cli, inv, ctl, name,
                     std::string(name == std::string("stop") ? "Stop" : "Restart") +
                         " services; the stack stays up");
    cmd->add_option("-t,--timeout", ctl.timeout,
                    "Seconds to wait for the stop signal before SIGKILL (default: the "
                    "service's stop_grace_period)")
        ->check(CLI::NonNegativeNumber);
    cmd->add_option("services", ctl.services, "Services")->required();
  }
  auto* kill = Verb(cli, inv, ctl, "kill", "Send a signal to services' processes");
  kill->add_option("-s,--signal", ctl.signal, "Signal name or number (default SIGKILL)");
  kill->add_option("services", ctl.services, "Services")->required();

  // Runtime replicas (docs/reload.md): stored in the stack's load options, then applied.
  auto* scale = Verb(cli, inv, ctl, "scale", "Set replica counts in the running stack and apply");
  scale->add_option("services", ctl.services, "SERVICE=N ...")->required();

  auto* top = Verb(cli, inv, ctl, "top", "Show the services' processes: CPU, memory, command");
  top->add_option("services", ctl.services, "Only these services");
}

int RunControlCommand(const Invocation& inv, const ControlInvocation& ctl) {
  // A client has no handlers: Ctrl-C ends `logs -f` or `ps --watch` the ordinary way.
  UnblockStopSignals();
  // start/stop/restart/kill read each service's stop grace from the manifest; the others only
  // need to find the stack.
  const bool reads_only = ctl.verb == "ps" || ctl.verb == "logs" || ctl.verb == "top" ||
                          ctl.verb == "scale";
  auto target = reads_only ? LocateRunningProject(inv) : LocateProject(inv);
  if (!target) return 2;
  auto client = MakeClient(*target);
  if (ctl.verb == "ps") return ctl::RunPs(*client, ctl);
  if (ctl.verb == "logs") return ctl::RunLogs(*client, ctl);
  if (ctl.verb == "top") return ctl::RunTop(*client, ctl);
  if (ctl.verb == "scale") return RunScale(*client, ctl.services);
  return ctl::RunServiceCommand(*client, ctl, target->manifest);
}

namespace ctl {

void PrintServerError(const control::ClientResponse& response) {
  auto body = nlohmann::json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_object() && body.contains("error") && body["error"].is_string()) {
    std::cerr << "stackvisor: " << body["error"].get<std::string>() << "\n";
  } else {
    std::cerr << "stackvisor: the API answered " << response.status << ": " << response.body
              << "\n";
  }
}

std::optional<nlohmann::json> CallJson(control::Client& client, std::string_view method,
                                       const std::string& target) {
  auto result = client.Call(method, target);
  if (!result.ok()) {
    PrintClientError(result.error());
    return std::nullopt;
  }
  const auto& response = result.value();
  if (response.status < 200 || response.status >= 300) {
    PrintServerError(response);
    return std::nullopt;
  }
  auto body = nlohmann::json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) {
    std::cerr << "stackvisor: " << method << " " << target << ": the answer is not JSON\n";
    return std::nullopt;
  }
  return body;
}

std::optional<std::vector<nlohmann::json>> FetchServices(control::Client& client,
                                                         const std::vector<std::string>& names) {
  std::vector<nlohmann::json> services;
  if (names.empty()) {
    auto body = CallJson(client, "GET", "/v1/services");
    if (!body) return std::nullopt;
    for (auto& s : (*body)["services"]) services.push_back(std::move(s));  // no deep copies
    return services;
  }
  // One request for all: the server resolves each name, a group to its replicas.
  std::string list;
  for (const auto& name : names) list += (list.empty() ? "" : ",") + name;
  auto body = CallJson(client, "GET", "/v1/services?service=" + QueryEscape(list));
  if (!body) return std::nullopt;
  for (auto& s : (*body)["services"]) services.push_back(std::move(s));
  return services;
}

std::string QueryEscape(std::string_view text) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace ctl
}  // namespace stackvisor::app
