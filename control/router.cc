#include "control/router.h"

#include <cassert>

#include <string_view>

namespace stackvisor::control {
namespace {

std::vector<std::string> Segments(std::string_view path) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    if (slash > start) out.emplace_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return out;
}

bool IsParam(const std::string& segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

bool Matches(const std::vector<std::string>& pattern, const std::vector<std::string>& path,
             std::map<std::string, std::string>* params) {
  if (pattern.size() != path.size()) return false;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (IsParam(pattern[i])) {
      if (params != nullptr) (*params)[pattern[i].substr(1, pattern[i].size() - 2)] = path[i];
    } else if (pattern[i] != path[i]) {
      return false;
    }
  }
  return true;
}

}  // namespace

void Router::Add(std::string method, std::string pattern, Route route) {
  assert(route && "a route needs a handler");
  entries_.push_back(Entry{std::move(method), Segments(pattern), std::move(route)});
}

const Router::Route* Router::Find(Request& request, std::string& allow) const {
  allow.clear();
  std::vector<std::string> path = Segments(request.path);
  for (const Entry& entry : entries_) {
    if (!Matches(entry.segments, path, nullptr)) continue;
    if (entry.method == request.method) {
      request.params.clear();
      Matches(entry.segments, path, &request.params);
      return &entry.route;
    }
    if (allow.find(entry.method) == std::string::npos) {
      allow += allow.empty() ? entry.method : ", " + entry.method;
    }
  }
  return nullptr;
}

void Router::Handle(Request request, std::unique_ptr<Reply> reply) {
  std::string allow;
  const Route* route = Find(request, allow);
  if (route != nullptr) {
    (*route)(request, std::move(reply));
  } else if (allow.empty()) {
    reply->Error(404, "no such endpoint: " + request.path);
  } else {
    reply->Send(405, "application/json",
                ErrorJson(request.method + " is not allowed on " + request.path +
                          " (allowed: " + allow + ")"),
                {{"Allow", allow}});
  }
}

}  // namespace stackvisor::control
