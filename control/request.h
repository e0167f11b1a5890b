#pragma once
// What a handler sees of one HTTP request: already parsed, size-checked and credential-checked.
#include <sys/types.h>

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace stackvisor::control {

/// Extra response header fields, e.g. {"Allow", "GET, POST"}.
using Headers = std::vector<std::pair<std::string, std::string>>;

/// Request is one complete HTTP request as plain values. `path` is the target before '?',
/// percent-decoded; `query` holds the decoded `k=v` pairs (a bare `k` maps to ""); `params`
/// is filled by the Router from `{name}` segments of the matched route.
struct Request {
  std::string method;  // "GET", "POST", ... as sent
  std::string target;  // raw, e.g. "/v1/logs?tail=10&follow=1"
  std::string path;
  std::map<std::string, std::string> query;
  std::map<std::string, std::string> params;
  std::string body;
  uid_t peer_uid = 0;
  pid_t peer_pid = 0;
};

/// SplitTarget fills request.path and request.query from request.target. Returns false when
/// the target is not origin-form ("/...") or holds a malformed %-escape.
bool SplitTarget(Request& request);

/// PercentDecode decodes %XX escapes (and '+' as a space when `plus_is_space`, as in a query);
/// false on a truncated or non-hex escape.
bool PercentDecode(std::string_view in, bool plus_is_space, std::string& out);

}  // namespace stackvisor::control
