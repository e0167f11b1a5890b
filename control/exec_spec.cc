#include "control/exec_spec.h"

#include <nlohmann/json.hpp>

#include "config/users.h"

namespace stackvisor::control {
namespace {

using nlohmann::json;

bool IsStringList(const json& value) {
  if (!value.is_array()) return false;
  for (const auto& item : value)
    if (!item.is_string()) return false;
  return true;
}

base::Error Bad(std::string_view what) { return {"spec request: " + std::string(what)}; }

}  // namespace

std::string SpecRequestToJson(const SpecRequest& request) {
  json body = json::object();
  if (request.argv) body["argv"] = *request.argv;
  if (!request.environment.empty()) body["environment"] = request.environment;
  if (request.user) body["user"] = *request.user;
  if (request.working_dir) body["working_dir"] = *request.working_dir;
  return body.dump();
}

base::Result<SpecRequest> SpecRequestFromJson(std::string_view body) {
  SpecRequest request;
  if (body.empty()) return request;
  json doc = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return Bad("the body is not JSON");
  if (!doc.is_object()) return Bad("the body must be a JSON object");
  for (const auto& [key, value] : doc.items()) {
    if (key == "argv") {
      if (!IsStringList(value) || value.empty())
        return Bad("argv must be a non-empty list of strings");
      request.argv = value.get<std::vector<std::string>>();
    } else if (key == "environment") {
      if (!IsStringList(value)) return Bad("environment must be a list of strings");
      request.environment = value.get<std::vector<std::string>>();
    } else if (key == "user" || key == "working_dir") {
      if (!value.is_string() || value.get<std::string>().empty())
        return Bad(key + " must be a non-empty string");
      (key == "user" ? request.user : request.working_dir) = value.get<std::string>();
    } else {
      return Bad("unknown field " + json(key).dump());
    }
  }
  return request;
}

base::Result<supervisor::SpawnOverrides> ResolveOverrides(const SpecRequest& request,
                                                          const config::Service& service,
                                                          uid_t caller_euid) {
  supervisor::SpawnOverrides overrides;
  overrides.argv = request.argv;
  overrides.environment = request.environment;
  if (request.user) {
    auto user = config::LookupUser(*request.user);
    if (!user.ok()) return user.error();
    if (auto why = config::CheckCanSwitch(user.value(), caller_euid)) return base::Error{*why};
    overrides.user = std::move(user.value());
  }
  if (request.working_dir) {
    // As in the manifest: relative to the service's directory, not to the caller's.
    const std::string& dir = *request.working_dir;
    overrides.working_dir = dir.front() == '/' ? dir : service.working_dir + "/" + dir;
  }
  return overrides;
}

std::string SpecToJson(const procs::SpawnSpec& spec) {
  json body = {{"argv", spec.argv}, {"env", spec.env}, {"working_dir", spec.working_dir},
               {"user", nullptr}};
  if (spec.credentials) {
    const procs::Credentials& c = *spec.credentials;
    body["user"] = {{"uid", c.uid}, {"gid", c.gid}, {"groups", c.groups}, {"name", c.name}};
  }
  return body.dump() + "\n";
}

base::Result<procs::SpawnSpec> SpecFromJson(std::string_view body) {
  json doc = json::parse(body, nullptr, /*allow_exceptions=*/false);
  auto bad = [] { return base::Error{"the stack's spawn spec is malformed"}; };
  if (!doc.is_object() || !IsStringList(doc.value("argv", json())) ||
      !IsStringList(doc.value("env", json())) || !doc.value("working_dir", json()).is_string())
    return bad();
  procs::SpawnSpec spec;
  spec.argv = doc["argv"].get<std::vector<std::string>>();
  spec.env = doc["env"].get<std::vector<std::string>>();
  spec.working_dir = doc["working_dir"].get<std::string>();
  const json& user = doc.value("user", json());
  if (!user.is_null()) {
    if (!user.is_object() || !user.value("uid", json()).is_number_unsigned() ||
        !user.value("gid", json()).is_number_unsigned() || !user.value("groups", json()).is_array())
      return bad();
    procs::Credentials c;
    c.uid = user["uid"].get<uid_t>();
    c.gid = user["gid"].get<gid_t>();
    for (const auto& g : user["groups"]) {
      if (!g.is_number_unsigned()) return bad();
      c.groups.push_back(g.get<gid_t>());
    }
    c.name = user.value("name", std::string());
    spec.credentials = std::move(c);
  }
  if (spec.argv.empty()) return bad();
  return spec;
}

}  // namespace stackvisor::control
