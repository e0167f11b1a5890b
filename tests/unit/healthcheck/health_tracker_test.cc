#include <doctest/doctest.h>

#include "healthcheck/health_tracker.h"
#include "healthcheck/probe.h"

namespace stackvisor::healthcheck {
namespace {

using namespace std::chrono_literals;

config::Healthcheck Check(base::Duration start_period, int retries = 3) {
  config::Healthcheck check;
  check.kind = config::ProbeKind::kTcp;
  check.interval = 1000ms;
  check.start_interval = 100ms;
  check.start_period = start_period;
  check.retries = retries;
  return check;
}

// The fake clock: time points relative to an arbitrary origin.
const base::TimePoint kT0 = base::TimePoint{} + 1000h;

bool Is(const std::optional<Transition>& t, HealthState from, HealthState to) {
  return t.has_value() && t->from == from && t->to == to;
}

TEST_CASE("HealthTracker: starting probes every start_interval, then every interval once healthy") {
  HealthTracker tracker(Check(5000ms));
  tracker.Start(kT0);
  CHECK(tracker.state() == HealthState::kStarting);
  CHECK(tracker.NextDelay() == base::Duration(100));
  CHECK(Is(tracker.OnResult(true, kT0 + 100ms), HealthState::kStarting, HealthState::kHealthy));
  CHECK(tracker.state() == HealthState::kHealthy);
  CHECK(tracker.NextDelay() == base::Duration(1000));
  CHECK_FALSE(tracker.OnResult(true, kT0 + 1100ms).has_value());  // no repeat report
}

TEST_CASE("HealthTracker: failures inside start_period do not count") {
  HealthTracker tracker(Check(5000ms));
  tracker.Start(kT0);
  for (int i = 1; i < 50; ++i) {
    CHECK_FALSE(tracker.OnResult(false, kT0 + i * 100ms).has_value());
  }
  CHECK(tracker.state() == HealthState::kStarting);
  CHECK(tracker.consecutive_failures() == 0);
  CHECK(tracker.NextDelay() == base::Duration(100));  // still start_interval after the grace
}

TEST_CASE("HealthTracker: after start_period, `retries` failures mean never healthy (final)") {
  HealthTracker tracker(Check(5000ms));
  tracker.Start(kT0);
  CHECK_FALSE(tracker.OnResult(false, kT0 + 4900ms).has_value());  // grace
  CHECK_FALSE(tracker.OnResult(false, kT0 + 5000ms).has_value());  // counts: 1
  CHECK_FALSE(tracker.OnResult(false, kT0 + 5100ms).has_value());  // 2
  CHECK(tracker.consecutive_failures() == 2);
  CHECK(Is(tracker.OnResult(false, kT0 + 5200ms), HealthState::kStarting,
           HealthState::kNeverHealthy));
  CHECK(tracker.state() == HealthState::kNeverHealthy);
  CHECK_FALSE(tracker.NextDelay().has_value());
  // Final: a late success changes nothing.
  CHECK_FALSE(tracker.OnResult(true, kT0 + 5300ms).has_value());
  CHECK(tracker.state() == HealthState::kNeverHealthy);
}

TEST_CASE("HealthTracker: a success during the grace period is healthy at once") {
  HealthTracker tracker(Check(90000ms));
  tracker.Start(kT0);
  CHECK_FALSE(tracker.OnResult(false, kT0 + 100ms).has_value());
  CHECK(Is(tracker.OnResult(true, kT0 + 200ms), HealthState::kStarting, HealthState::kHealthy));
}

TEST_CASE("HealthTracker: with start_period 0 failures count from the first attempt") {
  HealthTracker tracker(Check(0ms, 2));
  tracker.Start(kT0);
  CHECK_FALSE(tracker.OnResult(false, kT0 + 100ms).has_value());
  CHECK(Is(tracker.OnResult(false, kT0 + 200ms), HealthState::kStarting,
           HealthState::kNeverHealthy));
}

TEST_CASE("HealthTracker: a success while starting resets nothing it should not; then healthy") {
  HealthTracker tracker(Check(0ms, 3));
  tracker.Start(kT0);
  CHECK_FALSE(tracker.OnResult(false, kT0 + 100ms).has_value());
  CHECK_FALSE(tracker.OnResult(false, kT0 + 200ms).has_value());
  CHECK(Is(tracker.OnResult(true, kT0 + 300ms), HealthState::kStarting, HealthState::kHealthy));
  CHECK(tracker.consecutive_failures() == 0);
}

TEST_CASE("HealthTracker: healthy -> unhealthy after `retries` consecutive failures, reported once") {
  HealthTracker tracker(Check(0ms, 3));
  tracker.Start(kT0);
  REQUIRE(tracker.OnResult(true, kT0 + 100ms).has_value());
  // Non-consecutive failures never add up.
  CHECK_FALSE(tracker.OnResult(false, kT0 + 1s).has_value());
  CHECK_FALSE(tracker.OnResult(false, kT0 + 2s).has_value());
  CHECK_FALSE(tracker.OnResult(true, kT0 + 3s).has_value());
  CHECK(tracker.consecutive_failures() == 0);
  CHECK_FALSE(tracker.OnResult(false, kT0 + 4s).has_value());
  CHECK_FALSE(tracker.OnResult(false, kT0 + 5s).has_value());
  CHECK(Is(tracker.OnResult(false, kT0 + 6s), HealthState::kHealthy, HealthState::kUnhealthy));
  CHECK(tracker.NextDelay() == base::Duration(1000));  // keeps probing to notice a recovery
  CHECK_FALSE(tracker.OnResult(false, kT0 + 7s).has_value());
  CHECK_FALSE(tracker.OnResult(false, kT0 + 8s).has_value());
  CHECK(tracker.state() == HealthState::kUnhealthy);
  // Recovery is reported, and the count starts over.
  CHECK(Is(tracker.OnResult(true, kT0 + 9s), HealthState::kUnhealthy, HealthState::kHealthy));
  CHECK(tracker.consecutive_failures() == 0);
  CHECK_FALSE(tracker.OnResult(false, kT0 + 10s).has_value());
  CHECK_FALSE(tracker.OnResult(false, kT0 + 11s).has_value());
  CHECK(Is(tracker.OnResult(false, kT0 + 12s), HealthState::kHealthy, HealthState::kUnhealthy));
}

TEST_CASE("HealthTracker: the start_period counts from Start, and Start begins afresh") {
  HealthTracker tracker(Check(1000ms, 1));
  tracker.Start(kT0);
  CHECK(Is(tracker.OnResult(false, kT0 + 1000ms), HealthState::kStarting,
           HealthState::kNeverHealthy));
  // A restarted child: starting again, with a new grace period.
  tracker.Start(kT0 + 5s);
  CHECK(tracker.state() == HealthState::kStarting);
  CHECK(tracker.NextDelay() == base::Duration(100));
  CHECK_FALSE(tracker.OnResult(false, kT0 + 5s + 999ms).has_value());
  CHECK(Is(tracker.OnResult(false, kT0 + 6s), HealthState::kStarting, HealthState::kNeverHealthy));
  tracker.Start(kT0 + 10s);
  REQUIRE(tracker.OnResult(true, kT0 + 10s + 100ms).has_value());
  tracker.Start(kT0 + 20s);  // from healthy, too
  CHECK(tracker.state() == HealthState::kStarting);
}

TEST_CASE("HealthTracker: retries below 1 act as 1") {
  HealthTracker tracker(Check(0ms, 0));
  tracker.Start(kT0);
  CHECK(Is(tracker.OnResult(false, kT0 + 100ms), HealthState::kStarting,
           HealthState::kNeverHealthy));
}

TEST_CASE("HealthTracker: passive readiness expires after start_period + retries x start_interval") {
  HealthTracker tracker(Check(2000ms, 3));
  CHECK(tracker.ReadyDeadline() == base::Duration(2300));
  tracker.Start(kT0);
  CHECK(Is(tracker.Expire(), HealthState::kStarting, HealthState::kNeverHealthy));
  CHECK_FALSE(tracker.Expire().has_value());
  tracker.Start(kT0);
  REQUIRE(tracker.OnResult(true, kT0 + 10ms).has_value());
  CHECK_FALSE(tracker.Expire().has_value());  // too late to expire once healthy
  CHECK(tracker.state() == HealthState::kHealthy);
}

TEST_CASE("HealthTracker: stackvisor's defaults") {
  HealthTracker tracker{config::Healthcheck{}};
  tracker.Start(kT0);
  CHECK(tracker.NextDelay() == base::Duration(100));
  CHECK(tracker.ReadyDeadline() == base::Duration(90300));
  // 89.9 s of failures at 100 ms do not count.
  CHECK_FALSE(tracker.OnResult(false, kT0 + 89900ms).has_value());
  CHECK(tracker.consecutive_failures() == 0);
  REQUIRE(tracker.OnResult(true, kT0 + 90000ms).has_value());
  CHECK(tracker.NextDelay() == base::Duration(30000));
}

TEST_CASE("HealthStateName and DescribeDuration") {
  CHECK(std::string(HealthStateName(HealthState::kNeverHealthy)) == "never healthy");
  CHECK(DescribeDuration(30000ms) == "30s");
  CHECK(DescribeDuration(200ms) == "200ms");
  CHECK(DescribeDuration(1500ms) == "1.5s");
  CHECK(DescribeDuration(1050ms) == "1.05s");
  CHECK(DescribeDuration(90300ms) == "90.3s");
  CHECK(DescribeDuration(0ms) == "0ms");
}

}  // namespace
}  // namespace stackvisor::healthcheck
