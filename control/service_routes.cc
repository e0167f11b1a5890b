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

// The service named by the route's {name}, or nullopt after answering 404.
std::optional<size_t> FindOr404(Supervisor& supervisor, const Request& request, Reply& reply) {
  const std::string& name = request.params.at("name");
  auto index = supervisor.FindService(name);
  if (!index) reply.Error(404, "no such service: " + name);
  return index;
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
  router.Add("GET", "/v1/services", [&supervisor](const Request&, std::unique_ptr<Reply> reply) {
    std::string body = "{\"services\":";
    AppendServiceList(body, supervisor.Snapshot());
    body += "}\n";
    reply->Send(200, "application/json", std::move(body));
  });
  router.Add("GET", "/v1/services/{name}",
             [&supervisor](const Request& request, std::unique_ptr<Reply> reply) {
               auto index = FindOr404(supervisor, request, *reply);
               if (index) reply->Json(200, ServiceJson(supervisor.Snapshot(*index), Clock::now()));
             });
  router.Add("GET", "/v1/services/{name}/processes",
             [&supervisor](const Request& request, std::unique_ptr<Reply> reply) {
               auto index = FindOr404(supervisor, request, *reply);
               if (index) reply->Json(200, {{"pids", supervisor.Pids(*index)}});
             });
}

void AddCommandRoutes(Router& router, Supervisor& supervisor) {
  router.Add("POST", "/v1/services/{name}/start",
             [&supervisor](const Request& request, std::unique_ptr<Reply> reply) {
               auto index = FindOr404(supervisor, request, *reply);
               if (!index || RefuseWhileStopping(supervisor, *reply)) return;
               supervisor.StartService(*index);
               reply->Json(202, Accepted(request.params.at("name"), "start"));
             });
  // stop and restart take the same `timeout` and differ only in the command they push.
  using Timed = void (Supervisor::*)(size_t, std::optional<config::Duration>);
  auto add_timed = [&router, &supervisor](const char* action, Timed command) {
    router.Add("POST", std::string("/v1/services/{name}/") + action,
               [&supervisor, action, command](const Request& request,
                                              std::unique_ptr<Reply> reply) {
                 std::optional<config::Duration> grace;
                 auto index = FindOr404(supervisor, request, *reply);
                 if (!index || !GraceOr400(request, *reply, grace) ||
                     RefuseWhileStopping(supervisor, *reply))
                   return;
                 (supervisor.*command)(*index, grace);
                 reply->Json(202, Accepted(request.params.at("name"), action));
               });
  };
  add_timed("stop", &Supervisor::StopService);
  add_timed("restart", &Supervisor::RestartService);
  router.Add("POST", "/v1/services/{name}/kill",
             [&supervisor](const Request& request, std::unique_ptr<Reply> reply) {
               auto index = FindOr404(supervisor, request, *reply);
               if (!index) return;
               int signo = SIGKILL;  // compose's default
               if (auto found = request.query.find("signal"); found != request.query.end()) {
                 auto parsed = ParseSignalParam(found->second);
                 if (!parsed.ok()) return reply->Error(400, parsed.error);
                 signo = *parsed.value;
               }
               const std::string& name = request.params.at("name");
               if (!supervisor.KillService(*index, signo))
                 return reply->Error(409, name + " has no process to signal");
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
