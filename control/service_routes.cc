// Endpoints: stack and service state and commands, and the event stream.
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "config/signals.h"
#include "control/event_hub.h"
#include "control/query_params.h"
#include "control/routes.h"
#include "control/snapshot_json.h"

namespace stackvisor::control {
namespace {

using supervisor::Supervisor;
using Clock = std::chrono::system_clock;

// The list is written directly (ServiceListWriter), not as a JSON tree: with 1,000 services
// building and dumping the tree cost most of the request. Keys stay in dump's sorted order.
void AppendServiceList(std::string& out, const std::vector<supervisor::ServiceSnapshot>& snaps) {
  ServiceListWriter(Clock::now()).AppendList(out, snaps);
}

// The services the route's {name} means (one, or a group's replicas), or none after answering
// 404.
std::vector<size_t> FindOr404(Supervisor& supervisor, const Request& request, Reply& reply) {
  const std::string& name = request.params.at("name");
  auto found = supervisor.FindServices(name);
  if (found.empty()) reply.Error(404, "no such service: " + name);
  return found;
}

// Whether {name} named one service itself rather than a group of replicas.
bool NamesOne(Supervisor& supervisor, const Request& request, const std::vector<size_t>& found) {
  return found.size() == 1 &&
         supervisor.definition(found.front()).name == request.params.at("name");
}

// `?service=a,web`: those services, each name resolved (a group gives its replicas), each
// service once, in the order named; false after answering 404 for a name that means nothing.
bool SelectedOr404(Supervisor& supervisor, const std::string& list, Reply& reply,
                   std::vector<supervisor::ServiceSnapshot>& out) {
  std::vector<bool> seen;  // by stable id, which a reload can take past the manifest's size
  size_t start = 0;
  while (start <= list.size()) {
    size_t end = std::min(list.find(',', start), list.size());
    const std::string name = list.substr(start, end - start);
    start = end + 1;
    if (name.empty()) continue;
    auto found = supervisor.FindServices(name);
    if (found.empty()) {
      reply.Error(404, "no such service: " + name);
      return false;
    }
    for (size_t i : found) {
      if (i >= seen.size()) seen.resize(i + 1, false);
      if (!seen[i]) {
        seen[i] = true;
        out.push_back(supervisor.Snapshot(i));
      }
    }
  }
  return true;
}

// The optional `timeout` parameter, or false after answering 400.
bool GraceOr400(const Request& request, Reply& reply, std::optional<config::Duration>& grace) {
  auto found = request.query.find("timeout");
  if (found == request.query.end()) return true;
  auto parsed = ParseTimeoutSeconds(found->second);
  if (!parsed.ok()) {
    reply.Error(400, parsed.error);
    return false;
  }
  grace = parsed.value;
  return true;
}

// Commands are refused once the stack is stopping: nothing would come of them.
bool RefuseWhileStopping(Supervisor& supervisor, Reply& reply) {
  if (!supervisor.stopping()) return false;
  reply.Error(409, "the stack is stopping");
  return true;
}

nlohmann::json Accepted(const std::string& service, std::string_view action) {
  return {{"service", service}, {"action", action}};
}

void AddStateRoutes(Router& router, Supervisor& supervisor) {
  router.Add("GET", "/v1/stack", [&supervisor](const Request&, std::unique_ptr<Reply> reply) {
    const auto snaps = supervisor.Snapshot();
    std::string body = "{\"containment\":";
    AppendJsonString(body, supervisor.containment());
    body += ",\"pid\":" + std::to_string(::getpid()) + ",\"project\":";
    AppendJsonString(body, supervisor.manifest().name);
    body += ",\"services\":";
    AppendServiceList(body, snaps);
    body += ",\"state\":\"";
    body += StackState(snaps, supervisor.stopping());
    body += "\"}\n";
    reply->Send(200, "application/json", std::move(body));
  });
  router.Add("GET", "/v1/services",
             [&supervisor](const Request& request, std::unique_ptr<Reply> reply) {
    std::vector<supervisor::ServiceSnapshot> snaps;
    if (auto only = request.query.find("service"); only == request.query.end())
      snaps = supervisor.Snapshot();
    else if (!SelectedOr404(supervisor, only->second, *reply, snaps))
      return;
    std::string body = "{\"services\":";
    AppendServiceList(body, snaps);
    body += "}\n";
    reply->Send(200, "application/json", std::move(body));
  });
  router.Add("GET", "/v1/services/{name}",
             [&supervisor](const Request& request, std::unique_ptr<Reply> reply) {
               auto found = FindOr404(supervisor, request, *reply);
               if (found.empty()) return;
               if (NamesOne(supervisor, request, found))
                 return reply->Json(200, ServiceJson(supervisor.Snapshot(found[0]), Clock::now()));
               // A group answers as the list does, with its replicas.
               std::vector<supervisor::ServiceSnapshot> snaps;
               for (size_t i : found) snaps.push_back(supervisor.Snapshot(i));
               std::string body = "{\"services\":";
               AppendServiceList(body, snaps);
               body += "}\n";
               reply->Send(200, "application/json", std::move(body));
             });
  router.Add("GET", "/v1/services/{name}/processes",
             [&supervisor](const Request& request, std::unique_ptr<Reply> reply) {
               auto found = FindOr404(supervisor, request, *reply);
               if (found.empty()) return;
               std::vector<pid_t> pids;
               for (size_t i : found)
                 for (pid_t pid : supervisor.Pids(i)) pids.push_back(pid);
               reply->Json(200, {{"pids", pids}});
             });
}

void AddCommandRoutes(Router& router, Supervisor& supervisor) {
  router.Add("POST", "/v1/services/{name}/start",
             [&supervisor](const Request& request, std::unique_ptr<Reply> reply) {
               auto found = FindOr404(supervisor, request, *reply);
               if (found.empty() || RefuseWhileStopping(supervisor, *reply)) return;
               for (size_t i : found) supervisor.StartService(i);
               reply->Json(202, Accepted(request.params.at("name"), "start"));
             });
  // stop and restart take the same `timeout` and differ only in the command they push.
  using Timed = void (Supervisor::*)(size_t, std::optional<config::Duration>);
  auto add_timed = [&router, &supervisor](const char* action, Timed command) {
    router.Add("POST", std::string("/v1/services/{name}/") + action,
               [&supervisor, action, command](const Request& request,
                                              std::unique_ptr<Reply> reply) {
                 std::optional<config::Duration> grace;
                 auto found = FindOr404(supervisor, request, *reply);
                 if (found.empty() || !GraceOr400(request, *reply, grace) ||
                     RefuseWhileStopping(supervisor, *reply))
                   return;
                 for (size_t i : found) (supervisor.*command)(i, grace);
                 reply->Json(202, Accepted(request.params.at("name"), action));
               });
  };
  add_timed("stop", &Supervisor::StopService);
  add_timed("restart", &Supervisor::RestartService);
  router.Add("POST", "/v1/services/{name}/kill",
             [&supervisor](const Request& request, std::unique_ptr<Reply> reply) {
               auto found = FindOr404(supervisor, request, *reply);
               if (found.empty()) return;
               int signo = SIGKILL;  // compose's default
               if (auto found = request.query.find("signal"); found != request.query.end()) {
                 auto parsed = ParseSignalParam(found->second);
                 if (!parsed.ok()) return reply->Error(400, parsed.error);
                 signo = *parsed.value;
               }
               const std::string& name = request.params.at("name");
               bool any = false;  // a group: those replicas that have a process
               for (size_t i : found) any = supervisor.KillService(i, signo) || any;
               if (!any) return reply->Error(409, name + " has no process to signal");
               auto body = Accepted(name, "kill");
               body["signal"] = config::SignalName(signo);
               reply->Json(202, body);
             });
  router.Add("POST", "/v1/stack/stop",
             [&supervisor](const Request& request, std::unique_ptr<Reply> reply) {
               std::optional<config::Duration> grace;
               if (!GraceOr400(request, *reply, grace)) return;
               // Answer first: the stop may end the stack, and with it this connection.
               reply->Json(202, {{"action", "stop"}, {"project", supervisor.manifest().name}});
               supervisor.Down(grace);
             });
}

}  // namespace

void AddServiceRoutes(Router& router, supervisor::Supervisor& supervisor) {
  AddStateRoutes(router, supervisor);
  AddCommandRoutes(router, supervisor);
  // The one owner of the hub is this route (a std::function must be copyable, hence shared).
  auto hub = std::make_shared<EventHub>(supervisor);
  router.Add("GET", "/v1/events", [hub](const Request&, std::unique_ptr<Reply> reply) {
    hub->Add(reply->Stream(200, "application/x-ndjson"));
  });
}

}  // namespace stackvisor::control
