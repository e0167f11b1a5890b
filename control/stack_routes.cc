// Endpoints: apply the manifest files again (reload) and change replica counts.
#include <nlohmann/json.hpp>

#include "config/comma_list.h"
#include "control/routes.h"

namespace stackvisor::control {
namespace {

using supervisor::Supervisor;

// A flag parameter: absent, "0"/"false" is off; "", "1", "true" is on; anything else is a 400.
bool FlagOr400(const Request& request, const char* name, bool& value, Reply& reply) {
  auto found = request.query.find(name);
  value = false;
  if (found == request.query.end()) return true;
  const std::string& v = found->second;
  if (v.empty() || v == "1" || v == "true") {
    value = true;
    return true;
  }
  if (v == "0" || v == "false") return true;
  reply.Error(400, std::string(name) + ": expected 1 or 0, got '" + v + "'");
  return false;
}

nlohmann::json PlanJson(const supervisor::ApplyResult& result, const Supervisor& supervisor,
                        bool dry_run) {
  nlohmann::json services = nlohmann::json::array();
  for (const auto& entry : result.plan)
    services.push_back({{"service", entry.service},
                        {"action", supervisor::ReloadActionName(entry.action)},
                        {"reason", entry.reason}});
  return {{"project", supervisor.manifest().name},
          {"dry_run", dry_run},
          {"summary", supervisor::ReloadSummary(result.plan)},
          {"services", std::move(services)}};
}

// One answer for apply and scale: 200 with the plan, 400 with every diagnostic of an invalid
// edit (the running stack unchanged), 409 once stopping.
void Answer(Reply& reply, const supervisor::ApplyResult& result, const Supervisor& supervisor,
            bool dry_run) {
  if (result.ok) return reply.Json(200, PlanJson(result, supervisor, dry_run));
  if (supervisor.stopping()) return reply.Error(409, result.error);
  std::string text;
  std::vector<std::string> lines;
  for (const auto& d : result.diagnostics) {
    lines.push_back(d.Format());
    text += lines.back() + "\n";
  }
  reply.Json(400, {{"error", text + result.error}, {"diagnostics", lines}});
}

}  // namespace

void AddStackRoutes(Router& router, supervisor::Supervisor& supervisor) {
  router.Add("POST", "/v1/stack/apply",
             [&supervisor](const Request& request, std::unique_ptr<Reply> reply) {
               supervisor::ReloadOptions options;
               bool dry_run = false;
               if (!FlagOr400(request, "dry_run", dry_run, *reply) ||
                   !FlagOr400(request, "force_recreate", options.force_recreate, *reply) ||
                   !FlagOr400(request, "no_recreate", options.no_recreate, *reply))
                 return;
               if (options.force_recreate && options.no_recreate)
                 return reply->Error(400, "force_recreate and no_recreate exclude each other");
               // up=1 (with services=a,b or none: every service) is `up` against the stack.
               bool up = false;
               if (!FlagOr400(request, "up", up, *reply)) return;
               std::optional<supervisor::UpRequest> up_request;
               if (up) {
                 up_request.emplace();
                 if (auto it = request.query.find("services"); it != request.query.end())
                   up_request->services = config::SplitCommaList(it->second);
               } else if (request.query.count("services") > 0) {
                 return reply->Error(400, "services: only with up=1");
               }
               Answer(*reply, supervisor.Apply(options, dry_run, {}, up_request), supervisor,
                      dry_run);
             });
  // ?web=3&worker=0: replica counts, kept for later reloads (config::LoadOptions::scale).
  router.Add("POST", "/v1/stack/scale",
             [&supervisor](const Request& request, std::unique_ptr<Reply> reply) {
               std::map<std::string, int> scale;
               bool dry_run = false;
               for (const auto& [name, value] : request.query) {
                 if (name == "dry_run") {
                   if (!FlagOr400(request, "dry_run", dry_run, *reply)) return;
                   continue;
                 }
                 size_t used = 0;
                 int replicas = -1;
                 try {
                   replicas = std::stoi(value, &used);
                 } catch (const std::exception&) {
                   used = 0;
                 }
                 if (used != value.size() || replicas < 0 || replicas > 10000)
                   return reply->Error(400, name + ": expected a replica count from 0 to 10000, "
                                                   "got '" + value + "'");
                 scale[name] = replicas;
               }
               if (scale.empty())
                 return reply->Error(400, "give SERVICE=N, e.g. /v1/stack/scale?web=3");
               Answer(*reply, supervisor.Apply({}, dry_run, scale), supervisor, dry_run);
             });
}

}  // namespace stackvisor::control
