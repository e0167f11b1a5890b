#pragma once
// Which handler answers which (method, path): the API's table of endpoints.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "control/reply.h"
#include "control/request.h"

namespace stackvisor::control {

/// Router maps (method, path pattern) to a route. A pattern is literal segments and `{name}`
/// segments, e.g. "/v1/services/{name}/restart"; a `{name}` matches one non-empty segment and
/// lands in request.params. A path no pattern matches is answered 404; a path that matches only
/// under other methods, 405 with an Allow header. Routes are added before serving; the first
/// added wins when two match. Loop thread only.
class Router final : public Handler {
 public:
  using Route = std::function<void(const Request&, std::unique_ptr<Reply>)>;

  void Add(std::string method, std::string pattern, Route route);
  void Handle(Request request, std::unique_ptr<Reply> reply) override;

  /// The pure part of Handle: the route for the request (filling params), or nullptr with
  /// `allow` set to the methods the path takes (empty: no such path).
  const Route* Find(Request& request, std::string& allow) const;

 private:
  struct Entry {
    std::string method;
    std::vector<std::string> segments;
    Route route;
  };
  std::vector<Entry> entries_;
};

}  // namespace stackvisor::control
