// Plan: per-service commands from the control API (start, stop, restart one service).
#include "supervisor/plan.h"

namespace stackvisor::supervisor {

std::vector<Action> Plan::OnStartRequested(size_t index, base::TimePoint now) {
  (void)now;
  Log(index, "start requested: not implemented yet");
  return Take();
}

std::vector<Action> Plan::OnStopServiceRequested(size_t index,
                                                 std::optional<config::Duration> grace,
                                                 base::TimePoint now) {
  (void)grace;
  (void)now;
  Log(index, "stop requested: not implemented yet");
  return Take();
}

std::vector<Action> Plan::OnRestartRequested(size_t index, std::optional<config::Duration> grace,
                                             base::TimePoint now) {
  (void)grace;
  (void)now;
  Log(index, "restart requested: not implemented yet");
  return Take();
}

ServiceStatus Plan::Status(size_t index) const {
  const State& s = states_[index];
  ServiceStatus status;
  status.phase = s.phase;
  status.restarts = s.restarts;
  status.failure = s.failure;
  if (s.ever_started) status.started_at = s.started_at;
  return status;
}

}  // namespace stackvisor::supervisor
