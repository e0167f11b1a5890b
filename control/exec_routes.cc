// Endpoints: what exec and run need, a service's resolved spawn spec. The caller runs it in
// its own process (it owns the terminal), so the stack only describes; it starts nothing.
#include <string>

#include "control/exec_spec.h"
#include "control/routes.h"

namespace stackvisor::control {
namespace {

void ServeSpec(supervisor::Supervisor& supervisor, const Request& request,
               std::unique_ptr<Reply> reply) {
  const std::string& name = request.params.at("name");
  // A group means its first replica, as compose's exec defaults to --index 1.
  auto found = supervisor.FindServices(name);
  std::optional<size_t> index;
  if (!found.empty()) index = found.front();
  // A stopped service is still described: `run` does not need it running.
  if (!index) return reply->Error(404, "no such service: " + name);
  auto parsed = SpecRequestFromJson(request.method == "POST" ? request.body : std::string());
  if (!parsed.ok()) return reply->Error(400, parsed.error().message);
  const config::Service& service = supervisor.definition(*index);
  // The peer's uid, not ours: the caller is who will switch users, and only root can.
  auto overrides = ResolveOverrides(parsed.value(), service, request.peer_uid);
  if (!overrides.ok()) return reply->Error(400, overrides.error().message);
  procs::SpawnSpec spec = supervisor.SpecFor(*index, overrides.value());
  // A stack not running as root never switches users, but a root caller can: give it the
  // user it asked for rather than let it run the command as root.
  const auto& user = overrides.value().user;
  if (user && !spec.credentials && request.peer_uid == 0)
    spec.credentials = procs::Credentials{user->uid, user->gid, user->groups, user->name};
  reply->Send(200, "application/json", SpecToJson(spec));
}

}  // namespace

void AddExecRoutes(Router& router, supervisor::Supervisor& supervisor) {
  for (const char* method : {"GET", "POST"}) {
    router.Add(method, "/v1/services/{name}/spec",
               [&supervisor](const Request& request, std::unique_ptr<Reply> reply) {
                 ServeSpec(supervisor, request, std::move(reply));
               });
  }
}

}  // namespace stackvisor::control
