#include "healthcheck/prober.h"

namespace stackvisor::healthcheck {

const char* ProberEventName(Prober::Event event) {
  switch (event) {
    case Prober::Event::kHealthy: return "healthy";
    case Prober::Event::kUnhealthy: return "unhealthy";
    case Prober::Event::kNeverHealthy: return "never healthy";
  }
  return "?";
}

Prober::Prober(uv_loop_t* loop, const config::Healthcheck& check,
               std::unique_ptr<ActiveProbe> active, EventCallback on_event)
    : check_(check),
      tracker_(check),
      active_(std::move(active)),
      on_event_(std::move(on_event)),
      timer_(loop) {}

Prober::~Prober() {
  if (active_) active_->Cancel();
}

void Prober::Start() {
  Stop();
  running_ = true;
  tracker_.Start(base::Now());
  if (active_) {
    timer_.Start(*tracker_.NextDelay(), [this] { Attempt(); });
  } else {
    timer_.Start(tracker_.ReadyDeadline(), [this] { OnDeadline(); });
  }
}

void Prober::Stop() {
  running_ = false;
  timer_.Stop();
  if (active_) active_->Cancel();
}

void Prober::ReportReady() {
  if (!awaiting_ready()) return;
  std::optional<Transition> t = tracker_.OnResult(true, base::Now());
  if (!active_) timer_.Stop();  // the deadline is moot; passive kinds have nothing more to do
  if (t) Emit(*t, check_.kind == config::ProbeKind::kNotify ? "READY=1" : "log line matched");
}

void Prober::Attempt() {
  active_->Run(check_.timeout, [this](ProbeResult result) { OnResult(std::move(result)); });
}

void Prober::OnResult(ProbeResult result) {
  if (!running_) return;
  std::optional<Transition> t = tracker_.OnResult(result.healthy, base::Now());
  if (std::optional<base::Duration> delay = tracker_.NextDelay()) {
    timer_.Start(*delay, [this] { Attempt(); });
  }
  if (t) Emit(*t, result.detail);
}

void Prober::OnDeadline() {
  if (!running_) return;
  std::optional<Transition> t = tracker_.Expire();
  std::string what = check_.kind == config::ProbeKind::kNotify
                         ? "no READY=1"
                         : "no output line matched /" + check_.log_regex + "/";
  if (t) Emit(*t, what + " within " + DescribeDuration(tracker_.ReadyDeadline()));
}

void Prober::Emit(Transition transition, const std::string& detail) {
  Event event = Event::kHealthy;
  switch (transition.to) {
    case HealthState::kHealthy: event = Event::kHealthy; break;
    case HealthState::kUnhealthy: event = Event::kUnhealthy; break;
    case HealthState::kNeverHealthy: event = Event::kNeverHealthy; break;
    case HealthState::kStarting: return;  // never a destination
  }
  // A copy: the callback may destroy this Prober, and with it on_event_.
  EventCallback callback = on_event_;
  std::string detail_copy = detail;
  if (callback) callback(event, detail_copy);
}

}  // namespace stackvisor::healthcheck
