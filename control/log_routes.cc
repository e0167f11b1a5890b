// Endpoints: logs (tail, since, follow), from the supervisor's LogHistory.
#include <algorithm>
#include <sstream>

#include "control/log_follow.h"
#include "control/query_params.h"
#include "control/routes.h"

namespace stackvisor::control {
namespace {

using supervisor::Supervisor;

/// What one /v1/logs request asks for, parsed; `error` is the 400's text (or, with not_found,
/// the 404's).
struct LogRequest {
  logmux::LogQuery query;
  LogLayout layout;
  bool follow = false;
  std::string error;
  bool not_found = false;
};

std::vector<std::string> SplitNames(const std::string& list) {
  std::vector<std::string> names;
  std::stringstream in(list);
  for (std::string name; std::getline(in, name, ',');)
    if (!name.empty()) names.push_back(name);
  return names;
}

// Sets `into` from the flag parameter `name` when given; false (with the error) when malformed.
bool Flag(const Request& request, const char* name, bool& into, std::string& error) {
  auto found = request.query.find(name);
  if (found == request.query.end()) return true;
  auto parsed = ParseFlag(name, found->second);
  if (!parsed.ok()) {
    error = parsed.error;
    return false;
  }
  into = *parsed.value;
  return true;
}

LogRequest ParseLogRequest(const Supervisor& supervisor, const Request& request) {
  LogRequest out;
  out.layout.format = supervisor.mux().line_format();
  out.layout.format.color = false;  // a client asks for colour; `up`'s terminal says nothing
  out.layout.format.timestamps = false;
  const auto& q = request.query;
  if (auto found = q.find("service"); found != q.end()) {
    for (const auto& name : SplitNames(found->second)) {
      auto found = supervisor.FindServices(name);  // a group: each of its replicas
      if (found.empty()) {
        out.error = "no such service: " + name;
        out.not_found = true;
        return out;
      }
      for (size_t i : found) {
        auto& sources = out.query.sources;  // `web,web-1`: each replica's lines once
        if (std::find(sources.begin(), sources.end(), supervisor.log_source(i)) == sources.end())
          sources.push_back(supervisor.log_source(i));
      }
    }
  }
  if (auto found = q.find("tail"); found != q.end()) {
    auto parsed = ParseTail(found->second);
    if (!parsed.ok()) return out.error = parsed.error, out;
    out.query.tail = parsed.value;
  }
  if (auto found = q.find("since"); found != q.end()) {
    auto parsed = ParseSince(found->second, std::chrono::system_clock::now());
    if (!parsed.ok()) return out.error = parsed.error, out;
    out.query.since = parsed.value;
  }
  if (auto found = q.find("format"); found != q.end()) {
    if (found->second != "json" && found->second != "text")
      return out.error = "format must be text or json, got '" + found->second + "'", out;
    out.layout.json = found->second == "json";
  }
  if (!Flag(request, "follow", out.follow, out.error) ||
      !Flag(request, "timestamps", out.layout.format.timestamps, out.error) ||
      !Flag(request, "color", out.layout.format.color, out.error))
    return out;
  return out;
}

std::string Backlog(Supervisor& supervisor, const LogRequest& request) {
  std::string body;
  logmux::LineFormatter formatter(request.layout.format);
  for (const auto& entry : supervisor.history().Select(request.query))
    AppendLogEntry(body, request.layout, formatter, supervisor.mux().name(entry.source), entry);
  return body;
}

}  // namespace

std::shared_ptr<LogFollows> AddLogRoutes(Router& router, supervisor::Supervisor& supervisor) {
  // The one owner of the followers is this route (a std::function must be copyable).
  auto follows = std::make_shared<LogFollows>(supervisor);
  router.Add("GET", "/v1/logs",
             [&supervisor, follows](const Request& request, std::unique_ptr<Reply> reply) {
               LogRequest parsed = ParseLogRequest(supervisor, request);
               if (!parsed.error.empty())
                 return reply->Error(parsed.not_found ? 404 : 400, parsed.error);
               const std::string type = parsed.layout.json ? "application/x-ndjson"
                                                           : "text/plain; charset=utf-8";
               std::string backlog = Backlog(supervisor, parsed);
               if (!parsed.follow) return reply->Send(200, type, std::move(backlog));
               // Same loop turn as the Select: every later line reaches the follower once.
               follows->Add(reply->Stream(200, type), parsed.query.sources, parsed.layout,
                            std::move(backlog));
             });
  return follows;
}

}  // namespace stackvisor::control
