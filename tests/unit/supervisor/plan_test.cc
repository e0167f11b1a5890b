// The Plan driven by hand with a fake clock: every rule of ordering, readiness gating,
// restarts, failures and stopping, without a process or a loop.
#include <doctest/doctest.h>

#include <csignal>

#include "supervisor/plan.h"
#include "supervisor/restart_policy.h"

#include "tests/unit/supervisor/plan_test_util.h"

using namespace stackvisor;
using supervisor::Action;
using supervisor::Phase;
using supervisor::Plan;
using supervisor::TimerKind;
using supervisor::testing::Find;
using supervisor::testing::Logged;
using namespace std::chrono_literals;

namespace {

config::Service Svc(std::string name, std::vector<config::Dependency> deps = {}) {
  config::Service s;
  s.name = std::move(name);
  s.argv = {"true"};
  s.depends_on = std::move(deps);
  return s;
}

config::Dependency Dep(std::string name, config::DependCondition c = config::DependCondition::kStarted,
                       bool required = true) {
  config::Dependency d;
  d.service = std::move(name);
  d.condition = c;
  d.required = required;
  return d;
}

std::vector<size_t> Spawns(const std::vector<Action>& actions) {
  std::vector<size_t> out;
  for (const auto& a : actions)
    if (a.kind == Action::Kind::kSpawn) out.push_back(a.service);
  return out;
}

struct FakeClock {
  base::TimePoint now{};
  base::TimePoint Advance(std::chrono::milliseconds d) { return now += d; }
};

}  // namespace

TEST_CASE("services without dependencies all start at once; dependents wait for their condition") {
  config::Manifest m;
  m.services = {Svc("db"), Svc("cache"), Svc("web", {Dep("db", config::DependCondition::kHealthy)})};
  m.services[0].healthcheck.kind = config::ProbeKind::kTcp;
  FakeClock clock;
  Plan plan(m, {});
  auto first = plan.Start(clock.now);
  CHECK(Spawns(first) == std::vector<size_t>{0, 1});
  auto after_db = plan.OnSpawned(0, 100, clock.now);
  CHECK(Spawns(after_db).empty());  // started is not healthy
  CHECK(plan.phase(0) == Phase::kStarting);
  plan.OnSpawned(1, 101, clock.now);
  auto healthy = plan.OnHealthy(0, clock.Advance(85ms));
  CHECK(Logged(healthy, "db: healthy after 85 ms"));
  CHECK(Spawns(healthy) == std::vector<size_t>{2});
  auto web = plan.OnSpawned(2, 102, clock.now);
  CHECK(Find(web, Action::Kind::kAllReady) != nullptr);
}

TEST_CASE("a one-shot satisfies service_completed_successfully; its failure fails dependents and stops all") {
  config::Manifest m;
  m.services = {Svc("migrate"), Svc("web", {Dep("migrate", config::DependCondition::kCompletedSuccessfully)}),
                Svc("cache")};
  FakeClock clock;
  SUBCASE("success") {
    Plan plan(m, {});
    plan.Start(clock.now);
    plan.OnSpawned(0, 10, clock.now);
    plan.OnSpawned(2, 12, clock.now);
    auto exited = plan.OnExited(0, true, 0, "exited with code 0", clock.Advance(400ms));
    CHECK(Logged(exited, "migrate: completed successfully"));
    CHECK(Spawns(exited) == std::vector<size_t>{1});
    CHECK(plan.phase(0) == Phase::kCompleted);
  }
  SUBCASE("failure") {
    Plan plan(m, {});
    plan.Start(clock.now);
    plan.OnSpawned(0, 10, clock.now);
    plan.OnSpawned(2, 12, clock.now);
    auto exited = plan.OnExited(0, false, 3, "exited with code 3", clock.Advance(400ms));
    CHECK(Spawns(exited).empty());
    CHECK(Logged(exited, "web: not started: dependency migrate did not complete successfully"));
    CHECK(plan.stopping());
    const Action* stop = Find(exited, Action::Kind::kSignal);
    REQUIRE(stop != nullptr);
    CHECK(stop->service == 2);
    CHECK(stop->signal == SIGTERM);
    auto end = plan.OnExited(2, false, 143, "killed by SIGTERM", clock.Advance(10ms));
    const Action* exit = Find(end, Action::Kind::kExit);
    REQUIRE(exit != nullptr);
    CHECK(exit->exit_code == 1);
  }
}

TEST_CASE("an optional dependency that fails does not block its dependent") {
  config::Manifest m;
  m.services = {Svc("a"), Svc("b", {Dep("a", config::DependCondition::kCompletedSuccessfully, false)})};
  Plan plan(m, {});
  FakeClock clock;
  plan.Start(clock.now);
  plan.OnSpawned(0, 10, clock.now);
  auto exited = plan.OnExited(0, false, 1, "exited with code 1", clock.now);
  CHECK(Spawns(exited) == std::vector<size_t>{1});
  CHECK_FALSE(plan.stopping());
}

TEST_CASE("restart backoff doubles from 100 ms, is capped, and resets after a long run") {
  config::Manifest m;
  m.services = {Svc("web")};
  m.services[0].restart.mode = config::RestartMode::kAlways;
  m.services[0].backoff.max = 500ms;
  Plan plan(m, {});
  FakeClock clock;
  plan.Start(clock.now);
  std::vector<int64_t> delays;
  for (int i = 0; i < 5; ++i) {
    plan.OnSpawned(0, 100 + i, clock.now);
    auto exited = plan.OnExited(0, false, 1, "exited with code 1", clock.Advance(10ms));
    const Action* timer = Find(exited, Action::Kind::kStartTimer);
    REQUIRE(timer != nullptr);
    CHECK(timer->timer == TimerKind::kRestart);
    delays.push_back(timer->delay.count());
    CHECK(plan.phase(0) == Phase::kBackoff);
    auto respawn = plan.OnTimer(0, TimerKind::kRestart, clock.Advance(timer->delay));
    CHECK(Spawns(respawn) == std::vector<size_t>{0});
  }
  CHECK(delays == std::vector<int64_t>{100, 200, 400, 500, 500});
  plan.OnSpawned(0, 200, clock.now);
  auto late = plan.OnExited(0, true, 0, "exited with code 0", clock.Advance(10s));
  CHECK(Find(late, Action::Kind::kStartTimer)->delay == 100ms);
  CHECK(Logged(late, "web: restarting in 100 ms (restart 6)"));
}

TEST_CASE("a dependent in restart backoff starts again at once when its dependency turns healthy") {
  // web (plain depends_on: started) fails while db initialises; when db becomes healthy the
  // rest of web's delay would wait for nothing.
  config::Manifest m;
  m.services = {Svc("db"), Svc("web", {Dep("db")}), Svc("other")};
  m.services[0].healthcheck.kind = config::ProbeKind::kExec;
  m.services[1].restart.mode = config::RestartMode::kOnFailure;
  m.services[2].restart.mode = config::RestartMode::kOnFailure;
  Plan plan(m, {});
  FakeClock clock;
  plan.Start(clock.now);
  plan.OnSpawned(0, 10, clock.now);
  plan.OnSpawned(1, 11, clock.now);
  plan.OnSpawned(2, 12, clock.now);
  plan.OnExited(1, false, 1, "exited with code 1", clock.Advance(10ms));
  plan.OnSpawned(1, 13, clock.Advance(100ms));  // restart 1, after 100 ms
  auto second = plan.OnExited(1, false, 1, "exited with code 1", clock.Advance(10ms));
  CHECK(Find(second, Action::Kind::kStartTimer)->delay == 200ms);
  plan.OnExited(2, false, 1, "exited with code 1", clock.now);  // not a dependent of db
  REQUIRE(plan.phase(1) == Phase::kBackoff);
  auto healthy = plan.OnHealthy(0, clock.Advance(50ms));
  CHECK(Spawns(healthy) == std::vector<size_t>{1});
  const Action* cancel = Find(healthy, Action::Kind::kCancelTimer);
  REQUIRE(cancel != nullptr);
  CHECK(cancel->service == 1);
  CHECK(Logged(healthy, "web: restarting now: db is healthy"));
  CHECK(plan.phase(1) == Phase::kStarting);
  CHECK(plan.phase(2) == Phase::kBackoff);
  // The stale timer finds web no longer in backoff: no second spawn.
  CHECK(Spawns(plan.OnTimer(1, TimerKind::kRestart, clock.Advance(150ms))).empty());
  // The backoff kept counting: web's next failure waits 400 ms, not 100.
  plan.OnSpawned(1, 14, clock.now);
  auto third = plan.OnExited(1, false, 1, "exited with code 1", clock.Advance(10ms));
  CHECK(Find(third, Action::Kind::kStartTimer)->delay == 400ms);
}

TEST_CASE("on-failure:N gives up after N restarts and up ends with 1") {
  config::Manifest m;
  m.services = {Svc("job")};
  m.services[0].restart = {config::RestartMode::kOnFailure, 2};
  Plan plan(m, {});
  FakeClock clock;
  plan.Start(clock.now);
  for (int i = 0; i < 2; ++i) {
    plan.OnSpawned(0, 10, clock.now);
    plan.OnExited(0, false, 1, "exited with code 1", clock.now);
    plan.OnTimer(0, TimerKind::kRestart, clock.Advance(1s));
  }
  plan.OnSpawned(0, 10, clock.now);
  auto last = plan.OnExited(0, false, 1, "exited with code 1", clock.now);
  CHECK(Logged(last, "job: gave up after 2 restarts"));
  const Action* exit = Find(last, Action::Kind::kExit);
  REQUIRE(exit != nullptr);
  CHECK(exit->exit_code == 1);
}

TEST_CASE("a long-running service with a readiness check never completes, even on exit 0") {
  config::Service s = Svc("daphne");
  s.healthcheck.kind = config::ProbeKind::kTcp;
  CHECK_FALSE(supervisor::IsOneShot(s));
  CHECK(supervisor::DecideExit(s, true, 0) == supervisor::ExitVerdict::kFailed);
  s.restart.mode = config::RestartMode::kOnFailure;
  CHECK(supervisor::DecideExit(s, true, 0) == supervisor::ExitVerdict::kRestart);
  config::Service job = Svc("job");
  CHECK(supervisor::DecideExit(job, true, 0) == supervisor::ExitVerdict::kCompleted);
}

TEST_CASE("stop goes in reverse dependency order and escalates to SIGKILL after the grace period") {
  config::Manifest m;
  m.services = {Svc("db"), Svc("web", {Dep("db")}), Svc("proxy", {Dep("web")})};
  m.services[2].stop_signal = SIGQUIT;
  m.services[2].stop_grace_period = 3s;
  Plan plan(m, {});
  FakeClock clock;
  plan.Start(clock.now);
  plan.OnSpawned(0, 10, clock.now);
  plan.OnSpawned(1, 11, clock.now);
  plan.OnSpawned(2, 12, clock.now);
  auto stop = plan.OnStopRequested("SIGTERM received", clock.now);
  const Action* first = Find(stop, Action::Kind::kSignal);
  REQUIRE(first != nullptr);
  CHECK(first->service == 2);
  CHECK(first->signal == SIGQUIT);
  CHECK(Spawns(stop).empty());
  CHECK(Logged(stop, "proxy: stopping (SIGQUIT)"));
  auto kill = plan.OnTimer(2, TimerKind::kKill, clock.Advance(3s));
  CHECK(Find(kill, Action::Kind::kSignal)->signal == SIGKILL);
  CHECK(Logged(kill, "proxy: killed with SIGKILL after stop_grace_period 3s"));
  auto next = plan.OnExited(2, false, 137, "killed by SIGKILL", clock.now);
  CHECK(Find(next, Action::Kind::kSignal)->service == 1);
  auto last = plan.OnExited(1, false, 143, "killed by SIGTERM", clock.now);
  CHECK(Find(last, Action::Kind::kSignal)->service == 0);
  auto end = plan.OnExited(0, false, 143, "killed by SIGTERM", clock.now);
  REQUIRE(Find(end, Action::Kind::kExit) != nullptr);
  CHECK(Find(end, Action::Kind::kExit)->exit_code == 0);
}

TEST_CASE("a stop cancels a pending restart and a second SIGINT kills everything at once") {
  config::Manifest m;
  m.services = {Svc("a"), Svc("b")};
  m.services[0].restart.mode = config::RestartMode::kAlways;
  Plan plan(m, {});
  FakeClock clock;
  plan.Start(clock.now);
  plan.OnSpawned(0, 10, clock.now);
  plan.OnSpawned(1, 11, clock.now);
  plan.OnExited(0, false, 1, "exited with code 1", clock.now);
  auto stop = plan.OnStopRequested("SIGINT received", clock.now);
  const Action* cancel = Find(stop, Action::Kind::kCancelTimer);
  REQUIRE(cancel != nullptr);
  CHECK(cancel->timer == TimerKind::kRestart);
  CHECK(plan.phase(0) == Phase::kStopped);
  auto force = plan.OnForceKill(clock.now);
  CHECK(Find(force, Action::Kind::kSignal)->signal == SIGKILL);
  CHECK(Spawns(plan.OnTimer(0, TimerKind::kRestart, clock.Advance(1s))).empty());
}

TEST_CASE("unhealthy restarts when the policy allows; never healthy fails dependents") {
  config::Manifest m;
  m.services = {Svc("db"), Svc("web", {Dep("db", config::DependCondition::kHealthy)})};
  m.services[0].healthcheck.kind = config::ProbeKind::kExec;
  FakeClock clock;
  SUBCASE("unhealthy") {
    m.services[0].restart.mode = config::RestartMode::kAlways;
    Plan plan(m, {});
    plan.Start(clock.now);
    plan.OnSpawned(0, 10, clock.now);
    plan.OnHealthy(0, clock.now);
    plan.OnSpawned(1, 11, clock.now);
    auto bad = plan.OnUnhealthy(0, "exit code 1", clock.now);
    CHECK(Find(bad, Action::Kind::kSignal)->service == 0);
    auto exited = plan.OnExited(0, false, 143, "killed by SIGTERM", clock.now);
    CHECK(Find(exited, Action::Kind::kStartTimer)->timer == TimerKind::kRestart);
  }
  SUBCASE("never healthy") {
    Plan plan(m, {});
    plan.Start(clock.now);
    plan.OnSpawned(0, 10, clock.now);
    auto never = plan.OnNeverHealthy(0, "connection refused", clock.Advance(90s));
    CHECK(Logged(never, "db: failed: never became healthy: connection refused"));
    CHECK(Logged(never, "web: not started: dependency db never became healthy"));
    auto end = plan.OnExited(0, false, 143, "killed by SIGTERM", clock.now);
    REQUIRE(Find(end, Action::Kind::kExit) != nullptr);
    CHECK(Find(end, Action::Kind::kExit)->exit_code == 1);
  }
}

TEST_CASE("up ends by itself when everything completed, and --exit-code-from returns that code") {
  config::Manifest m;
  m.services = {Svc("a"), Svc("b")};
  FakeClock clock;
  SUBCASE("all completed") {
    Plan plan(m, {});
    plan.Start(clock.now);
    plan.OnSpawned(0, 10, clock.now);
    plan.OnSpawned(1, 11, clock.now);
    plan.OnExited(0, true, 0, "exited with code 0", clock.now);
    auto end = plan.OnExited(1, true, 0, "exited with code 0", clock.now);
    CHECK(Find(end, Action::Kind::kExit)->exit_code == 0);
  }
  SUBCASE("exit code from") {
    m.services[1].restart.mode = config::RestartMode::kAlways;
    supervisor::PlanOptions options;
    options.exit_code_from = 0;
    Plan plan(m, options);
    plan.Start(clock.now);
    plan.OnSpawned(0, 10, clock.now);
    plan.OnSpawned(1, 11, clock.now);
    auto exited = plan.OnExited(0, false, 7, "exited with code 7", clock.now);
    CHECK(plan.stopping());
    auto end = plan.OnExited(1, false, 143, "killed by SIGTERM", clock.now);
    CHECK(Find(end, Action::Kind::kExit)->exit_code == 7);
  }
}

TEST_CASE("a spawn failure is reported at once and counts as a failed exit") {
  config::Manifest m;
  m.services = {Svc("x")};
  Plan plan(m, {});
  FakeClock clock;
  plan.Start(clock.now);
  auto failed = plan.OnSpawnFailed(0, "spawn nope: No such file or directory", clock.now);
  CHECK(Logged(failed, "x: spawn nope: No such file or directory"));
  CHECK(Find(failed, Action::Kind::kExit)->exit_code == 1);
}

TEST_CASE("stop order looks through a completed one-shot: the database outlives the app") {
  config::Manifest m;
  m.services = {Svc("db"), Svc("migrate", {Dep("db")}),
                Svc("web", {Dep("migrate", config::DependCondition::kCompletedSuccessfully)})};
  Plan plan(m, {});
  FakeClock clock;
  plan.Start(clock.now);
  plan.OnSpawned(0, 10, clock.now);
  plan.OnSpawned(1, 11, clock.now);
  plan.OnExited(1, true, 0, "exited with code 0", clock.now);
  plan.OnSpawned(2, 12, clock.now);
  auto stop = plan.OnStopRequested("SIGTERM received", clock.now);
  std::vector<size_t> signalled;
  for (const auto& a : stop)
    if (a.kind == Action::Kind::kSignal) signalled.push_back(a.service);
  CHECK(signalled == std::vector<size_t>{2});
  auto next = plan.OnExited(2, false, 143, "killed by SIGTERM", clock.now);
  CHECK(Find(next, Action::Kind::kSignal)->service == 0);
}

TEST_CASE("a dependent starts once its dependency's post_start hooks ran, as compose does") {
  config::Manifest m;
  m.services = {Svc("db"), Svc("web", {Dep("db")}),
                Svc("api", {Dep("db", config::DependCondition::kHealthy)})};
  config::Hook hook;
  hook.command = {"/bin/true"};
  m.services[0].post_start = {hook};
  m.services[0].healthcheck.kind = config::ProbeKind::kTcp;
  FakeClock clock;
  Plan plan(m, {});
  CHECK(Spawns(plan.Start(clock.now)) == std::vector<size_t>{0});
  CHECK(Spawns(plan.OnSpawned(0, 100, clock.Advance(5ms))).empty());   // hooks still run
  CHECK(Spawns(plan.OnHealthy(0, clock.Advance(5ms))).empty());        // healthy, hooks run
  CHECK(plan.Status(1).waiting_for == "db (started)");
  CHECK(Spawns(plan.OnPostStartDone(0, clock.Advance(5ms))) == std::vector<size_t>{1, 2});
  // Once is enough: a restart's hooks do not hold up what already started.
  CHECK(Spawns(plan.OnPostStartDone(0, clock.Advance(5ms))).empty());
}

TEST_CASE("a dependency that completes before its post_start hooks ended counts as started") {
  config::Manifest m;
  m.services = {Svc("init"), Svc("web", {Dep("init")})};
  config::Hook hook;
  hook.command = {"/bin/true"};
  m.services[0].post_start = {hook};
  FakeClock clock;
  Plan plan(m, {});
  plan.Start(clock.now);
  CHECK(Spawns(plan.OnSpawned(0, 100, clock.Advance(5ms))).empty());
  CHECK(Spawns(plan.OnExited(0, true, 0, "exited with code 0", clock.Advance(5ms))) ==
        std::vector<size_t>{1});
}
