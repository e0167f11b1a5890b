#pragma once
// Whether a detached stack is ready yet, judged from what the API says: pure, no I/O.
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace stackvisor::app {

/// StackVerdict is `up -d`'s judgement of one GET /v1/stack answer. Ready: every service is
/// running (and healthy where it has a healthcheck; without one, for at least half a second, so
/// a command that exits at once fails) or completed, and every one-shot (a service
/// some dependent waits on with service_completed_successfully) has completed. Failed: a
/// service failed for good (a one-shot's non-zero exit, restarts given up, never healthy) or
/// was stopped, or the stack is stopping. Anything else is still starting.
struct StackVerdict {
  enum class Kind { kWaiting, kReady, kFailed };
  Kind kind = Kind::kWaiting;
  std::string service;              // kFailed: the service to blame ("" for the stack)
  std::string reason;               // kFailed: why
  std::vector<std::string> lines;   // kReady: one per service; kWaiting: those not ready
};

StackVerdict JudgeStack(const nlohmann::json& stack, const std::set<std::string>& one_shots);

/// The lines of `service` in a log as `up` prints it (its own lines and stackvisor's events
/// about it), the last `limit` of them.
std::vector<std::string> ServiceLines(std::string_view log, std::string_view service,
                                      size_t limit);

}  // namespace stackvisor::app
