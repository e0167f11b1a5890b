// Endpoints: stack and service state and commands.
#include <nlohmann/json.hpp>

#include "control/routes.h"

namespace stackvisor::control {

void AddServiceRoutes(Router& router, supervisor::Supervisor& supervisor) {
  router.Add("GET", "/v1/services", [&supervisor](const Request&, std::unique_ptr<Reply> reply) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& snap : supervisor.Snapshot()) list.push_back({{"name", snap.name}});
    reply->Json(200, {{"services", list}});
  });
}

}  // namespace stackvisor::control
