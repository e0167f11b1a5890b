// Plan::Status(), the one record of a service's state that ps and the API show, and the
// kChanged action that announces each change of it.
#include <doctest/doctest.h>

#include "supervisor/plan.h"

#include "tests/unit/supervisor/plan_test_util.h"

using namespace stackvisor;
using namespace std::chrono_literals;
using supervisor::Action;
using supervisor::Health;
using supervisor::Phase;
using supervisor::Plan;
using supervisor::ServiceStatus;
using supervisor::TimerKind;
using supervisor::testing::Find;
using supervisor::testing::Has;
using supervisor::testing::MakeDep;
using supervisor::testing::MakeService;
using supervisor::testing::TestClock;

TEST_CASE("status through a crash: pid, started_at, ready_at, last exit and restarts") {
  config::Manifest m;
  m.services = {MakeService("web")};
  m.services[0].restart.mode = config::RestartMode::kAlways;
  Plan plan(m, {});
  TestClock clock;
  plan.Start(clock.now);
  ServiceStatus before = plan.Status(0);
  CHECK(before.pid == -1);
  CHECK_FALSE(before.started_at.has_value());
  CHECK_FALSE(before.last_exit_code.has_value());

  auto t0 = clock.Advance(5ms);
  plan.OnSpawned(0, 100, t0);
  ServiceStatus up = plan.Status(0);
  CHECK(up.phase == Phase::kRunning);
  CHECK(up.pid == 100);
  CHECK(up.health == Health::kNone);
  CHECK(up.started_at == t0);
  CHECK(up.ready_at == t0);

  auto t1 = clock.Advance(2s);
  plan.OnExited(0, false, 139, "killed by SIGSEGV", t1);
  ServiceStatus crashed = plan.Status(0);
  CHECK(crashed.phase == Phase::kBackoff);
  CHECK(crashed.pid == -1);
  CHECK(crashed.restarts == 1);
  CHECK(crashed.last_exit_code == 139);
  CHECK(crashed.last_exit == "killed by SIGSEGV");
  CHECK(crashed.last_exit_at == t1);
  CHECK(crashed.started_at == t0);  // the last process's start while none runs

  plan.OnTimer(0, TimerKind::kRestart, clock.Advance(100ms));
  auto t2 = clock.Advance(1ms);
  plan.OnSpawned(0, 101, t2);
  ServiceStatus again = plan.Status(0);
  CHECK(again.pid == 101);
  CHECK(again.started_at == t2);
  CHECK(again.ready_at == t2);
  CHECK(again.restarts == 1);
  CHECK(again.last_exit == "killed by SIGSEGV");  // kept until the next exit
}

TEST_CASE("status of a spawn failure and of a service that failed for good") {
  config::Manifest m;
  m.services = {MakeService("x")};
  Plan plan(m, {});
  TestClock clock;
  plan.Start(clock.now);
  auto t = clock.Advance(3ms);
  plan.OnSpawnFailed(0, "spawn nope: No such file or directory", t);
  ServiceStatus s = plan.Status(0);
  CHECK(s.phase == Phase::kFailed);
  CHECK(s.last_exit_code == 127);
  CHECK(s.last_exit == "spawn nope: No such file or directory");
  CHECK(s.last_exit_at == t);
  CHECK(s.failure == "exited with code 127");
  CHECK_FALSE(s.started_at.has_value());
}

TEST_CASE("health: none without a check, starting until the first verdict, then each verdict") {
  config::Manifest m;
  m.services = {MakeService("db"), MakeService("plain")};
  m.services[0].healthcheck.kind = config::ProbeKind::kExec;
  Plan plan(m, {});
  TestClock clock;
  plan.Start(clock.now);
  CHECK(plan.Status(0).health == Health::kNone);  // no process yet
  plan.OnSpawned(0, 10, clock.now);
  plan.OnSpawned(1, 11, clock.now);
  CHECK(plan.Status(1).health == Health::kNone);
  CHECK(plan.Status(0).health == Health::kStarting);
  CHECK_FALSE(plan.Status(0).ready_at.has_value());

  auto healthy_at = clock.Advance(300ms);
  auto healthy = plan.OnHealthy(0, healthy_at);
  CHECK(Has(healthy, Action::Kind::kChanged, 0));
  CHECK(plan.Status(0).health == Health::kHealthy);
  CHECK(plan.Status(0).ready_at == healthy_at);

  // restart "no": an unhealthy verdict is shown, the process keeps running.
  auto bad = plan.OnUnhealthy(0, "exit code 1", clock.Advance(1s));
  CHECK(Has(bad, Action::Kind::kChanged, 0));
  CHECK(plan.Status(0).health == Health::kUnhealthy);
  CHECK(plan.Status(0).phase == Phase::kRunning);
  plan.OnHealthy(0, clock.Advance(1s));
  CHECK(plan.Status(0).health == Health::kHealthy);
  CHECK(plan.Status(0).ready_at == healthy_at);  // it never stopped being ready
}

TEST_CASE("waiting_for names each unsettled dependency and its condition") {
  config::Manifest m;
  using config::DependCondition;
  m.services = {MakeService("db"), MakeService("migrate"), MakeService("cache"),
                MakeService("web", {MakeDep("db", DependCondition::kHealthy),
                                    MakeDep("migrate", DependCondition::kCompletedSuccessfully),
                                    MakeDep("cache")})};
  m.services[0].healthcheck.kind = config::ProbeKind::kTcp;
  Plan plan(m, {});
  TestClock clock;
  plan.Start(clock.now);
  CHECK(plan.Status(3).waiting_for == "db (healthy), migrate (completed), cache (started)");
  plan.OnSpawned(2, 12, clock.now);
  plan.OnSpawned(0, 10, clock.now);
  plan.OnSpawned(1, 11, clock.now);
  CHECK(plan.Status(3).waiting_for == "db (healthy), migrate (completed)");
  plan.OnHealthy(0, clock.now);
  CHECK(plan.Status(3).waiting_for == "migrate (completed)");
  plan.OnExited(1, true, 0, "exited with code 0", clock.now);
  CHECK(plan.Status(3).phase == Phase::kStarting);
  CHECK(plan.Status(3).waiting_for.empty());
  CHECK(plan.Status(0).waiting_for.empty());
}

TEST_CASE("every phase transition emits a kChanged for that service") {
  config::Manifest m;
  m.services = {MakeService("db")};
  m.services[0].healthcheck.kind = config::ProbeKind::kExec;
  m.services[0].restart.mode = config::RestartMode::kAlways;
  Plan plan(m, {});
  TestClock clock;
  Phase last = plan.phase(0);
  int transitions = 0;
  auto step = [&](const std::vector<Action>& out) {
    if (plan.phase(0) != last) {
      ++transitions;
      INFO("transition " << transitions);
      CHECK(Has(out, Action::Kind::kChanged, 0));
    }
    last = plan.phase(0);
  };
  step(plan.Start(clock.now));                                              // starting
  step(plan.OnSpawned(0, 10, clock.now));                                   // starting (pid)
  step(plan.OnHealthy(0, clock.now));                                       // running
  step(plan.OnUnhealthy(0, "timeout", clock.now));                          // stopping
  step(plan.OnExited(0, false, 143, "killed by SIGTERM", clock.now));       // backoff
  step(plan.OnTimer(0, TimerKind::kRestart, clock.Advance(100ms)));          // starting
  step(plan.OnSpawned(0, 11, clock.now));
  step(plan.OnStopServiceRequested(0, std::nullopt, clock.now));            // stopping
  step(plan.OnExited(0, false, 143, "killed by SIGTERM", clock.now));       // stopped
  step(plan.OnStartRequested(0, clock.now));                                // waiting, starting
  step(plan.OnSpawned(0, 12, clock.now));
  step(plan.OnStopRequested("SIGTERM received", clock.now));                // stopping
  step(plan.OnExited(0, false, 143, "killed by SIGTERM", clock.now));       // stopped
  CHECK(transitions == 10);
  // The pid and the health change without a phase change: announced too.
  Plan other(m, {});
  other.Start(clock.now);
  CHECK(Has(other.OnSpawned(0, 20, clock.now), Action::Kind::kChanged, 0));
  CHECK(Find(other.OnHealthy(0, clock.now), Action::Kind::kChanged) != nullptr);
}
