#pragma once
// What the control verbs share (app/ctl_*.cc only).
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "app/ctl_commands.h"
#include "control/client.h"

namespace stackvisor::app::ctl {

/// One API call whose answer must be 2xx JSON: the body, or nullopt after printing the
/// client's error (no stack, ...) or the server's {"error"}.
std::optional<nlohmann::json> CallJson(control::Client& client, std::string_view method,
                                       const std::string& target);

/// Prints "stackvisor: <the server's error>" for a non-2xx answer.
void PrintServerError(const control::ClientResponse& response);

/// Every service's Service object, or just the named ones (each must exist).
std::optional<std::vector<nlohmann::json>> FetchServices(control::Client& client,
                                                         const std::vector<std::string>& names);

/// %XX-escapes everything but unreserved characters, for a query value.
std::string QueryEscape(std::string_view text);

int RunPs(control::Client& client, const ControlInvocation& ctl);
int RunLogs(control::Client& client, const ControlInvocation& ctl);
int RunTop(control::Client& client, const ControlInvocation& ctl);
int RunServiceCommand(control::Client& client, const ControlInvocation& ctl,
                      const config::Manifest& manifest);

}  // namespace stackvisor::app::ctl
