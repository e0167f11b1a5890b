// `exec` and `run`: ask the running stack for the service's resolved spawn spec (or build it
// here when no stack runs the service), start what `run` depends on, then become the command.
#include "app/exec_command.h"

#include <unistd.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "app/process_setup.h"
#include "app/project_client.h"
#include "app/run_dependencies.h"
#include "config/replicas.h"
#include "config/shell_words.h"
#include "control/exec_spec.h"
#include "supervisor/container_files.h"
#include "supervisor/spawn_spec_builder.h"

extern char** environ;

namespace stackvisor::app {
namespace {

// -e K=V as given; -e K takes our value of K (removing K when we have none), as docker does.
std::vector<std::string> EnvFlags(const Invocation& inv, const std::vector<std::string>& flags) {
  std::vector<std::string> out;
  for (const auto& flag : flags) {
    auto ours = inv.load.environment.find(flag);
    bool pass_through = flag.find('=') == std::string::npos && ours != inv.load.environment.end();
    out.push_back(pass_through ? flag + "=" + ours->second : flag);
  }
  return out;
}

control::SpecRequest MakeRequest(const Invocation& inv, const ExecInvocation& ex,
                                 std::optional<std::vector<std::string>> argv) {
  control::SpecRequest request;
  request.argv = std::move(argv);
  request.environment = EnvFlags(inv, ex.env);
  if (!ex.user.empty()) request.user = ex.user;
  if (!ex.working_dir.empty()) request.working_dir = ex.working_dir;
  return request;
}

// The stack's answer for the service, or nullopt after printing why (`missing` set on a 404).
std::optional<nlohmann::json> GetJson(control::Client& client, const std::string& target,
                                      bool* missing = nullptr, const std::string& body = {}) {
  auto response = client.Call(body.empty() ? "GET" : "POST", target, body);
  if (!response.ok()) {
    PrintClientError(response.error());
    return std::nullopt;
  }
  auto doc = nlohmann::json::parse(response.value().body, nullptr, false);
  if (response.value().status == 404 && missing != nullptr) *missing = true;
  if (response.value().status / 100 != 2 || doc.is_discarded()) {
    if (missing == nullptr || !*missing) {
      std::string why = doc.is_object() && doc.contains("error") && doc["error"].is_string()
                            ? doc["error"].get<std::string>()
                            : target + ": status " + std::to_string(response.value().status);
      std::cerr << "stackvisor: " << why << "\n";
    }
    return std::nullopt;
  }
  return doc;
}

// The names the running stack's services answer to (GET /v1/services): each service and each
// replica group; none from an answer that is not that list.
std::vector<std::string> RunningServiceNames(const std::string& body) {
  std::vector<std::string> names;
  auto doc = nlohmann::json::parse(body, nullptr, false);
  if (!doc.is_object() || !doc.contains("services") || !doc["services"].is_array()) return names;
  for (const auto& s : doc["services"]) {
    if (!s.is_object()) continue;
    for (const char* key : {"name", "replica_of"})
      if (s.contains(key) && s[key].is_string()) names.push_back(s[key].get<std::string>());
    // Its network aliases, hostname and container_name, as the stack's own views list them.
    if (s.contains("aliases") && s["aliases"].is_array())
      for (const auto& alias : s["aliases"])
        if (alias.is_string()) names.push_back(alias.get<std::string>());
  }
  return names;
}

std::optional<procs::SpawnSpec> FetchSpec(control::Client& client, const std::string& service,
                                          const control::SpecRequest& request,
                                          bool* missing = nullptr) {
  auto body = control::SpecRequestToJson(request);
  auto doc = GetJson(client, "/v1/services/" + service + "/spec", missing, body);
  if (!doc) return std::nullopt;
  auto spec = control::SpecFromJson(doc->dump());
  if (!spec.ok()) {
    std::cerr << "stackvisor: " << spec.error().message << "\n";
    return std::nullopt;
  }
  return std::move(spec.value());
}

// What the stack would build, built here: no stack runs the service, and the stack `run`
// starts inherits this environment, so both see the same.
std::optional<procs::SpawnSpec> LocalSpec(const config::Service& service,
                                          const control::SpecRequest& request) {
  auto overrides = control::ResolveOverrides(request, service, geteuid());
  if (!overrides.ok()) {
    std::cerr << "stackvisor: " << overrides.error().message << "\n";
    return std::nullopt;
  }
  std::vector<std::string> base;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e)
    if (std::string_view(*e).rfind("NOTIFY_SOCKET=", 0) != 0) base.emplace_back(*e);
  return supervisor::BuildSpawnSpec(service, base, geteuid() == 0, overrides.value());
}

// `exec web` on a group (the API answered {"services": [...]}) means replica --index, 1 by
// default, as compose. The replica's Service object; null when `state` is one service already
// (then only --index 1 fits it); nullopt after printing why none fits.
std::optional<nlohmann::json> PickReplica(const nlohmann::json& state, const ExecInvocation& ex) {
  const int index = ex.index.value_or(1);
  if (!state.contains("services")) {
    if (index == 1) return nlohmann::json(nullptr);
    std::cerr << "stackvisor: " << ex.service << " has no replica " << index
              << " (it is not scaled)\n";
    return std::nullopt;
  }
  for (const auto& s : state["services"])
    if (s.contains("replica") && s["replica"].is_number() && s["replica"] == index) return s;
  std::cerr << "stackvisor: " << ex.service << " has no replica " << index << " (it has "
            << state["services"].size() << ")\n";
  return std::nullopt;
}

}  // namespace

int RunExec(const Invocation& inv, const ExecInvocation& ex) {
  // Nothing to hand over to until execve: a Ctrl-C while we ask the stack just ends us.
  UnblockStopSignals();
  if (ex.command.empty()) {
    std::cerr << "stackvisor: exec: no command given (stackvisor exec SERVICE CMD...)\n";
    return 2;
  }
  auto target = LocateProject(inv);
  if (!target) return 2;
  auto client = MakeClient(*target);
  bool missing = false;
  auto state = GetJson(*client, "/v1/services/" + ex.service, &missing);
  if (missing) {
    std::cerr << "stackvisor: no such service: " << ex.service << "\n";
    return 1;
  }
  if (!state) return 1;
  std::string service = ex.service;
  auto replica = PickReplica(*state, ex);
  if (!replica) return 1;
  if (!replica->is_null()) {
    state = *replica;
    service = state->value("name", service);
  }
  std::string phase = state->value("state", "");
  if (phase != "running" && phase != "starting") {
    std::cerr << "stackvisor: service " << service << " is not running"
              << (phase.empty() ? "" : " (" + phase + ")") << "\n";
    return 1;
  }
  auto spec = FetchSpec(*client, service, MakeRequest(inv, ex, ex.command));
  if (!spec) return 1;
  client.reset();  // its socket is close-on-exec anyway; nothing of ours outlives the exec
  pid_t join = 0;
  if (const config::Service* s = target->manifest.Find(service); s && s->container.enabled) {
    // The stack wrote the view's files; the running process's namespaces are joined if we can.
    spec->container = supervisor::BuildContainerSpec(s->container, geteuid() == 0);
    supervisor::AddGeneratedFiles(*s, (target->runtime_dir / "container").string(),
                                  *spec->container);
    const auto& pid = state->value("pid", nlohmann::json());
    if (pid.is_number_integer()) join = pid.get<pid_t>();
  }
  return ExecSpec(*spec, join);
}

int RunRun(const Invocation& inv, const ExecInvocation& ex) {
  UnblockStopSignals();
  auto target = LocateProject(inv, /*warn_unavailable=*/true);
  if (!target) return 2;
  // A group runs with its first replica's configuration (its STACKVISOR_REPLICA is 1).
  auto found = config::ResolveServiceName(target->manifest, ex.service);
  const config::Service* service =
      found.empty() ? nullptr : &target->manifest.services[found.front()];
  if (service == nullptr) {
    std::cerr << "stackvisor: no such service: " << ex.service << "\n";
    return 1;
  }
  // Our services have one argv (entrypoint and command joined): CMD replaces all of it, and
  // --entrypoint replaces it too, with CMD appended as its arguments.
  std::optional<std::vector<std::string>> argv;
  if (!ex.entrypoint.empty()) {
    auto words = config::SplitShellWords(ex.entrypoint);
    if (!words.ok() || words.value().empty()) {
      std::cerr << "stackvisor: --entrypoint: "
                << (words.ok() ? "empty command" : words.error().message) << "\n";
      return 2;
    }
    argv = words.value();
    argv->insert(argv->end(), ex.command.begin(), ex.command.end());
  } else if (!ex.command.empty()) {
    argv = ex.command;
  }
  control::SpecRequest request = MakeRequest(inv, ex, argv);

  auto client = MakeClient(*target);
  auto probe = client->Call("GET", "/v1/services");
  bool running = probe.ok();
  if (!running && !IsNoStack(probe.error())) {
    PrintClientError(probe.error());
    return 1;
  }
  if (!ex.no_deps && !service->depends_on.empty()) {
    int code = running ? StartDependencies(*client, *service)
                       : StartDetachedStack(inv, *service);
    if (code != 0) return code;
  }
  std::optional<procs::SpawnSpec> spec;
  bool missing = !running;
  if (running) spec = FetchSpec(*client, ex.service, request, &missing);
  // Not in the running stack (it runs only the dependencies, as `run` starts it): built here.
  if (missing) spec = LocalSpec(*service, request);
  if (!spec) return 1;
  client.reset();
  if (service->container.enabled) {
    // A view of its own, as a new container of the service would get; its files written here
    // (not in a runtime directory `up` may still have to create private). The running stack's
    // services resolve in it too: the service may come from other files of the project
    // (`run -f docker-compose.migrate.yml migrate` waits for db:5432).
    config::Service viewed = *service;
    if (running) supervisor::AddHostNames(viewed.container, RunningServiceNames(probe.value().body));
    const std::string dir = supervisor::ContainerFilesDir("");
    spec->container = supervisor::BuildContainerSpec(viewed.container, geteuid() == 0);
    supervisor::AddGeneratedFiles(viewed, dir, *spec->container);
    if (auto made = supervisor::PrepareContainerFiles(viewed, dir, geteuid() == 0); !made.ok()) {
      std::cerr << "stackvisor: " << made.error().message << "\n";
      return 1;
    }
  }
  return ExecSpec(*spec);
}

}  // namespace stackvisor::app
