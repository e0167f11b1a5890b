// The Plan's per-service commands (start, stop, restart one service, the stack stop's
// timeout) and the rules that keep a stack up while services are stopped on request.
#include <doctest/doctest.h>

#include <csignal>

#include "supervisor/plan.h"

#include "tests/unit/supervisor/plan_test_util.h"

using namespace stackvisor;
using namespace std::chrono_literals;
using supervisor::Action;
using supervisor::Phase;
using supervisor::Plan;
using supervisor::TimerKind;
using supervisor::testing::Find;
using supervisor::testing::Has;
using supervisor::testing::Logged;
using supervisor::testing::MakeDep;
using supervisor::testing::MakeService;
using supervisor::testing::Services;
using supervisor::testing::TestClock;
using Kind = Action::Kind;
using config::DependCondition;

namespace {

// db <- web (healthy), db <- worker (optional), cache on its own.
config::Manifest WebStack() {
  config::Manifest m;
  m.services = {MakeService("db"), MakeService("web", {MakeDep("db", DependCondition::kHealthy)}),
                MakeService("worker", {MakeDep("db", DependCondition::kStarted, false)}),
                MakeService("cache")};
  m.services[0].healthcheck.kind = config::ProbeKind::kTcp;
  return m;
}

void StartAll(Plan& plan, TestClock& clock) {
  plan.Start(clock.now);
  for (size_t i = 0; i < plan.size(); ++i) {
    if (plan.phase(i) != Phase::kStarting) continue;
    plan.OnSpawned(i, static_cast<pid_t>(100 + i), clock.now);
    if (i == 0) plan.OnHealthy(0, clock.now);
  }
  for (size_t i = 0; i < plan.size(); ++i) {
    if (plan.phase(i) != Phase::kStarting) continue;
    plan.OnSpawned(i, static_cast<pid_t>(100 + i), clock.now);
  }
  for (size_t i = 0; i < plan.size(); ++i) REQUIRE(plan.phase(i) == Phase::kRunning);
}

}  // namespace

TEST_CASE("stop: required running dependents stop first, the rest of the stack keeps running") {
  config::Manifest m = WebStack();
  m.services[0].stop_signal = SIGINT;
  m.services[0].restart.mode = config::RestartMode::kAlways;
  Plan plan(m, {});
  TestClock clock;
  StartAll(plan, clock);
  auto stop = plan.OnStopServiceRequested(0, std::nullopt, clock.now);
  CHECK(Logged(stop, "db: stop requested"));
  CHECK(Services(stop, Kind::kSignal) == std::vector<size_t>{1});  // web first, db waits
  CHECK(plan.phase(0) == Phase::kRunning);
  auto web_gone = plan.OnExited(1, false, 143, "killed by SIGTERM", clock.now);
  CHECK(plan.phase(1) == Phase::kStopped);
  CHECK(plan.Status(1).stopped_by_request);
  const Action* sig = Find(web_gone, Kind::kSignal);
  REQUIRE(sig != nullptr);
  CHECK(sig->service == 0);
  CHECK(sig->signal == SIGINT);  // its own stop_signal
  auto db_gone = plan.OnExited(0, false, 130, "killed by SIGINT", clock.now);
  CHECK(plan.phase(0) == Phase::kStopped);
  CHECK(plan.Status(0).stopped_by_request);
  CHECK(Find(db_gone, Kind::kStartTimer) == nullptr);  // restart: always does not apply
  CHECK(Find(db_gone, Kind::kExit) == nullptr);
  CHECK_FALSE(plan.stopping());
  CHECK(plan.phase(2) == Phase::kRunning);  // optional dependency: keeps running
  CHECK(plan.phase(3) == Phase::kRunning);
  CHECK(Logged(plan.OnStopServiceRequested(0, std::nullopt, clock.now),
               "db: stop requested: not running"));
}

TEST_CASE("stop and restart honour a requested timeout; a stack stop's replaces it for all") {
  config::Manifest m = WebStack();
  m.services[3].stop_grace_period = 7s;
  Plan plan(m, {});
  TestClock clock;
  StartAll(plan, clock);
  auto stop = plan.OnStopServiceRequested(3, 1500ms, clock.now);
  const Action* timer = Find(stop, Kind::kStartTimer);
  REQUIRE(timer != nullptr);
  CHECK(timer->timer == TimerKind::kKill);
  CHECK(timer->delay == 1500ms);
  auto kill = plan.OnTimer(3, TimerKind::kKill, clock.Advance(1500ms));
  CHECK(Find(kill, Kind::kSignal)->signal == SIGKILL);
  CHECK(Logged(kill, "cache: killed with SIGKILL after the requested timeout 1500ms"));
  plan.OnExited(3, false, 137, "killed by SIGKILL", clock.now);

  auto restart = plan.OnRestartRequested(2, 2s, clock.now);
  CHECK(Find(restart, Kind::kStartTimer)->delay == 2s);
  plan.OnExited(2, false, 143, "killed by SIGTERM", clock.now);
  plan.OnSpawned(2, 300, clock.now);

  auto down = plan.OnStopRequested("stop requested", clock.now, 1s);
  std::vector<config::Duration> delays;
  for (const Action& a : down)
    if (a.kind == Kind::kStartTimer) delays.push_back(a.delay);
  CHECK(delays == std::vector<config::Duration>{1s, 1s});  // worker and web, in that order
  auto late = plan.OnTimer(1, TimerKind::kKill, clock.Advance(1s));
  CHECK(Logged(late, "web: killed with SIGKILL after the requested timeout 1s"));
}

TEST_CASE("without a requested timeout the kill timer uses stop_grace_period") {
  config::Manifest m = WebStack();
  m.services[3].stop_grace_period = 7s;
  Plan plan(m, {});
  TestClock clock;
  StartAll(plan, clock);
  CHECK(Find(plan.OnStopServiceRequested(3, std::nullopt, clock.now), Kind::kStartTimer)->delay ==
        7s);
  CHECK(Logged(plan.OnTimer(3, TimerKind::kKill, clock.Advance(7s)),
               "cache: killed with SIGKILL after stop_grace_period 7s"));
}

TEST_CASE("start: what it requires starts first, and it waits for its conditions as at up") {
  config::Manifest m = WebStack();
  Plan plan(m, {});
  TestClock clock;
  StartAll(plan, clock);
  plan.OnStopServiceRequested(0, std::nullopt, clock.now);
  plan.OnExited(1, false, 143, "killed by SIGTERM", clock.now);
  plan.OnExited(0, false, 143, "killed by SIGTERM", clock.now);
  REQUIRE(plan.phase(1) == Phase::kStopped);

  auto start = plan.OnStartRequested(1, clock.now);
  CHECK(Logged(start, "web: start requested"));
  CHECK(Services(start, Kind::kSpawn) == std::vector<size_t>{0});  // db; web waits for it
  CHECK(plan.phase(1) == Phase::kWaiting);
  CHECK(plan.Status(1).waiting_for == "db (healthy)");
  CHECK_FALSE(plan.Status(1).stopped_by_request);
  CHECK_FALSE(plan.Status(0).stopped_by_request);
  CHECK(Services(plan.OnSpawned(0, 200, clock.now), Kind::kSpawn).empty());  // not healthy yet
  CHECK(Services(plan.OnHealthy(0, clock.now), Kind::kSpawn) == std::vector<size_t>{1});
  plan.OnSpawned(1, 201, clock.now);
  CHECK(plan.phase(1) == Phase::kRunning);

  auto again = plan.OnStartRequested(3, clock.now);
  CHECK(Logged(again, "cache: start requested: already running"));
  CHECK(Find(again, Kind::kSpawn) == nullptr);
  CHECK(Find(again, Kind::kChanged) == nullptr);
}

TEST_CASE("start of a failed service resets its failure and restart counter, as compose's start") {
  config::Manifest m;
  m.services = {MakeService("job"), MakeService("cache")};
  m.services[0].restart = {config::RestartMode::kOnFailure, 1};
  supervisor::PlanOptions options;
  options.stay_up = true;
  Plan plan(m, options);
  TestClock clock;
  plan.Start(clock.now);
  plan.OnSpawned(1, 11, clock.now);
  plan.OnSpawned(0, 10, clock.now);
  plan.OnExited(0, false, 1, "exited with code 1", clock.now);
  plan.OnTimer(0, TimerKind::kRestart, clock.Advance(100ms));
  plan.OnSpawned(0, 12, clock.now);
  auto gave_up = plan.OnExited(0, false, 1, "exited with code 1", clock.now);
  REQUIRE(plan.phase(0) == Phase::kFailed);
  CHECK(Find(gave_up, Kind::kExit) == nullptr);
  CHECK(plan.Status(0).restarts == 1);
  auto start = plan.OnStartRequested(0, clock.now);
  CHECK(Services(start, Kind::kSpawn) == std::vector<size_t>{0});
  CHECK(plan.Status(0).restarts == 0);
  CHECK(plan.Status(0).failure.empty());
  CHECK(plan.Status(0).last_exit == "exited with code 1");  // history stays
}

TEST_CASE("restart: only that service, then its restart: true dependents once it is ready") {
  config::Manifest m;
  m.services = {MakeService("db"),
                MakeService("web", {MakeDep("db", DependCondition::kHealthy, true, true)}),
                MakeService("api", {MakeDep("db", DependCondition::kHealthy)}),
                MakeService("cache")};
  m.services[0].healthcheck.kind = config::ProbeKind::kTcp;
  Plan plan(m, {});
  TestClock clock;
  StartAll(plan, clock);
  std::vector<Action> all;
  auto keep = [&all](std::vector<Action> out) {
    all.insert(all.end(), out.begin(), out.end());
    return out;
  };
  auto stop = keep(plan.OnRestartRequested(0, std::nullopt, clock.now));
  CHECK(Logged(stop, "db: restart requested"));
  CHECK(Services(stop, Kind::kSignal) == std::vector<size_t>{0});  // dependents are not stopped
  auto exited = keep(plan.OnExited(0, false, 143, "killed by SIGTERM", clock.now));
  CHECK(Services(exited, Kind::kSpawn) == std::vector<size_t>{0});
  CHECK(Find(exited, Kind::kStartTimer) == nullptr);  // no backoff: the exit was asked for
  CHECK(plan.Status(0).restarts == 0);
  CHECK(plan.Status(0).last_exit == "killed by SIGTERM");
  keep(plan.OnSpawned(0, 300, clock.now));
  for (const Action& a : all) CHECK(a.service == 0);  // nothing else was touched so far
  CHECK(plan.phase(1) == Phase::kRunning);

  auto ready = plan.OnHealthy(0, clock.now);
  CHECK(Services(ready, Kind::kSignal) == std::vector<size_t>{1});  // web, not api
  CHECK(Logged(ready, "web: restarting: dependency db restarted"));
  CHECK(Services(plan.OnExited(1, false, 143, "killed by SIGTERM", clock.now), Kind::kSpawn) ==
        std::vector<size_t>{1});
  plan.OnSpawned(1, 301, clock.now);
  CHECK(plan.Status(2).pid == 102);
  CHECK(plan.Status(3).pid == 103);
  CHECK(plan.phase(1) == Phase::kRunning);
  CHECK_FALSE(plan.stopping());
}

TEST_CASE("restart of a service waiting to restart spawns it now") {
  config::Manifest m;
  m.services = {MakeService("web")};
  m.services[0].restart.mode = config::RestartMode::kAlways;
  Plan plan(m, {});
  TestClock clock;
  plan.Start(clock.now);
  plan.OnSpawned(0, 10, clock.now);
  plan.OnExited(0, false, 1, "exited with code 1", clock.now);
  auto restart = plan.OnRestartRequested(0, std::nullopt, clock.now);
  CHECK(Has(restart, Kind::kCancelTimer, 0));
  CHECK(Services(restart, Kind::kSpawn) == std::vector<size_t>{0});
}

TEST_CASE("a service stopped on request keeps the stack up; a stack stop still ends it") {
  config::Manifest m;
  m.services = {MakeService("web"), MakeService("job")};
  Plan plan(m, {});
  TestClock clock;
  plan.Start(clock.now);
  plan.OnSpawned(0, 10, clock.now);
  plan.OnSpawned(1, 11, clock.now);
  plan.OnStopServiceRequested(0, std::nullopt, clock.now);
  CHECK(Find(plan.OnExited(0, false, 143, "killed by SIGTERM", clock.now), Kind::kExit) == nullptr);
  auto done = plan.OnExited(1, true, 0, "exited with code 0", clock.now);
  CHECK(Find(done, Kind::kExit) == nullptr);  // every service is down, but web may start again
  auto down = plan.OnStopRequested("stop requested", clock.now);
  REQUIRE(Find(down, Kind::kExit) != nullptr);
  CHECK(Find(down, Kind::kExit)->exit_code == 0);
}

TEST_CASE("stay_up: the stack waits for a stop request, and a failure does not stop the rest") {
  config::Manifest m;
  m.services = {MakeService("migrate"),
                MakeService("web", {MakeDep("migrate", DependCondition::kCompletedSuccessfully)}),
                MakeService("db"), MakeService("app", {MakeDep("db")})};
  supervisor::PlanOptions options;
  options.stay_up = true;
  Plan plan(m, options);
  TestClock clock;
  plan.Start(clock.now);
  plan.OnSpawned(2, 12, clock.now);
  plan.OnSpawned(3, 13, clock.now);
  plan.OnSpawned(0, 10, clock.now);
  auto failed = plan.OnExited(0, false, 1, "exited with code 1", clock.now);
  CHECK(plan.phase(1) == Phase::kFailed);
  CHECK(plan.Status(1).failure == "dependency migrate did not complete successfully");
  CHECK_FALSE(plan.stopping());
  CHECK(Find(failed, Kind::kSignal) == nullptr);
  CHECK(plan.phase(2) == Phase::kRunning);

  auto db_done = plan.OnExited(2, true, 0, "exited with code 0", clock.now);  // a one-shot
  CHECK(Find(db_done, Kind::kSignal) == nullptr);
  plan.OnExited(3, true, 0, "exited with code 0", clock.now);
  for (size_t i = 0; i < plan.size(); ++i) REQUIRE(plan.phase(i) != Phase::kRunning);
  auto end = plan.OnStopRequested("stop requested", clock.now);
  REQUIRE(Find(end, Kind::kExit) != nullptr);
}

TEST_CASE("stay_up: a running dependent of a service that failed for good is stopped, failed") {
  config::Manifest m;
  m.services = {MakeService("db"), MakeService("web", {MakeDep("db")}), MakeService("cache")};
  supervisor::PlanOptions options;
  options.stay_up = true;
  Plan plan(m, options);
  TestClock clock;
  plan.Start(clock.now);
  plan.OnSpawned(0, 10, clock.now);
  plan.OnSpawned(1, 11, clock.now);
  plan.OnSpawned(2, 12, clock.now);
  auto failed = plan.OnExited(0, false, 1, "exited with code 1", clock.now);
  CHECK(Services(failed, Kind::kSignal) == std::vector<size_t>{1});
  plan.OnExited(1, false, 143, "killed by SIGTERM", clock.now);
  CHECK(plan.phase(1) == Phase::kFailed);
  CHECK(plan.Status(1).failure == "dependency db failed: exited with code 1");
  CHECK(plan.phase(2) == Phase::kRunning);
  CHECK_FALSE(plan.stopping());
}

TEST_CASE("commands are refused once the stack is stopping") {
  config::Manifest m = WebStack();
  Plan plan(m, {});
  TestClock clock;
  StartAll(plan, clock);
  plan.OnStopRequested("SIGTERM received", clock.now);
  auto only_logs = [](const std::vector<Action>& out) {
    for (const Action& a : out)
      if (a.kind != Kind::kLog) return false;
    return !out.empty();
  };
  auto start = plan.OnStartRequested(0, clock.now);
  CHECK(only_logs(start));
  CHECK(Logged(start, "db: start refused: the stack is stopping"));
  auto stop = plan.OnStopServiceRequested(0, 1s, clock.now);
  CHECK(only_logs(stop));
  CHECK(Logged(stop, "db: stop refused: the stack is stopping"));
  auto restart = plan.OnRestartRequested(3, std::nullopt, clock.now);
  CHECK(only_logs(restart));
  CHECK(Logged(restart, "cache: restart refused: the stack is stopping"));
}

TEST_CASE("a service started again blocks its dependencies' stop: the stack stop keeps order") {
  config::Manifest m;
  m.services = {MakeService("db"), MakeService("web", {MakeDep("db")})};
  TestClock clock;
  SUBCASE("stop web, start web") {
    Plan plan(m, {});
    plan.Start(clock.now);
    plan.OnSpawned(0, 10, clock.now);
    plan.OnSpawned(1, 11, clock.now);
    plan.OnStopServiceRequested(1, std::nullopt, clock.now);
    plan.OnExited(1, false, 143, "killed by SIGTERM", clock.now);  // web down: db needed by none
    CHECK(Services(plan.OnStartRequested(1, clock.now), Kind::kSpawn) == std::vector<size_t>{1});
    plan.OnSpawned(1, 12, clock.now);
    auto stop = plan.OnStopRequested("SIGTERM received", clock.now);
    CHECK(Services(stop, Kind::kSignal) == std::vector<size_t>{1});  // not db yet
    auto next = plan.OnExited(1, false, 143, "killed by SIGTERM", clock.now);
    CHECK(Services(next, Kind::kSignal) == std::vector<size_t>{0});
    auto end = plan.OnExited(0, false, 143, "killed by SIGTERM", clock.now);
    CHECK(Find(end, Kind::kExit) != nullptr);
  }
  SUBCASE("stop db (web first), start web (db first)") {
    Plan plan(m, {});
    plan.Start(clock.now);
    plan.OnSpawned(0, 10, clock.now);
    plan.OnSpawned(1, 11, clock.now);
    plan.OnStopServiceRequested(0, std::nullopt, clock.now);
    plan.OnExited(1, false, 143, "killed by SIGTERM", clock.now);
    plan.OnExited(0, false, 143, "killed by SIGTERM", clock.now);
    CHECK(Services(plan.OnStartRequested(1, clock.now), Kind::kSpawn) == std::vector<size_t>{0});
    CHECK(Services(plan.OnSpawned(0, 20, clock.now), Kind::kSpawn) == std::vector<size_t>{1});
    plan.OnSpawned(1, 21, clock.now);
    auto stop = plan.OnStopRequested("SIGTERM received", clock.now);
    CHECK(Services(stop, Kind::kSignal) == std::vector<size_t>{1});
    CHECK(Services(plan.OnExited(1, false, 143, "killed by SIGTERM", clock.now), Kind::kSignal) ==
          std::vector<size_t>{0});
    CHECK(Find(plan.OnExited(0, false, 143, "killed by SIGTERM", clock.now), Kind::kExit) !=
          nullptr);
  }
}

TEST_CASE("a service that exits while its stop waits for its dependents is not restarted") {
  config::Manifest m;
  m.services = {MakeService("db"), MakeService("web", {MakeDep("db")})};
  m.services[0].restart.mode = config::RestartMode::kAlways;
  Plan plan(m, {});
  TestClock clock;
  plan.Start(clock.now);
  plan.OnSpawned(0, 10, clock.now);
  plan.OnSpawned(1, 11, clock.now);
  plan.OnStopServiceRequested(0, std::nullopt, clock.now);
  auto early = plan.OnExited(0, false, 1, "exited with code 1", clock.now);
  CHECK(Find(early, Kind::kStartTimer) == nullptr);
  CHECK(plan.phase(0) == Phase::kStopped);
  auto web = plan.OnExited(1, false, 143, "killed by SIGTERM", clock.now);
  CHECK(Find(web, Kind::kSignal) == nullptr);  // nothing left to signal
  CHECK(plan.phase(1) == Phase::kStopped);
}

TEST_CASE("a service killed on request ends stopped: no restart policy, the stack stays up") {
  config::Manifest m;
  m.services = {MakeService("web"), MakeService("cache")};
  m.services[0].restart.mode = config::RestartMode::kAlways;
  Plan plan(m, {});
  TestClock clock;
  plan.Start(clock.now);
  plan.OnSpawned(0, 10, clock.now);
  plan.OnSpawned(1, 11, clock.now);
  CHECK(Find(plan.OnKillRequested(0, clock.now), Kind::kSignal) == nullptr);  // the caller signals
  auto killed = plan.OnExited(0, false, 137, "killed by SIGKILL", clock.now);
  CHECK(Find(killed, Kind::kStartTimer) == nullptr);
  CHECK(plan.phase(0) == Phase::kStopped);
  CHECK(plan.Status(0).stopped_by_request);
  CHECK(plan.Status(0).last_exit == "killed by SIGKILL");
  CHECK(Find(plan.OnExited(1, true, 0, "exited with code 0", clock.now), Kind::kExit) == nullptr);
  // Without the request, the same death is a crash and the policy restarts it.
  CHECK(Services(plan.OnStartRequested(0, clock.now), Kind::kSpawn) == std::vector<size_t>{0});
  plan.OnSpawned(0, 12, clock.now);
  CHECK(Find(plan.OnExited(0, false, 137, "killed by SIGKILL", clock.now), Kind::kStartTimer) !=
        nullptr);
}

TEST_CASE("a start while a stop waits for dependents cancels that service's stop") {
  config::Manifest m;
  m.services = {MakeService("db"), MakeService("web", {MakeDep("db")})};
  Plan plan(m, {});
  TestClock clock;
  plan.Start(clock.now);
  plan.OnSpawned(0, 10, clock.now);
  plan.OnSpawned(1, 11, clock.now);
  plan.OnStopServiceRequested(0, std::nullopt, clock.now);  // web is signalled, db waits
  auto start = plan.OnStartRequested(0, clock.now);
  CHECK(Logged(start, "db: stop cancelled"));
  CHECK_FALSE(plan.Status(0).stopped_by_request);
  auto web = plan.OnExited(1, false, 143, "killed by SIGTERM", clock.now);
  CHECK(Find(web, Kind::kSignal) == nullptr);  // db keeps running
  CHECK(plan.phase(0) == Phase::kRunning);
  CHECK(plan.phase(1) == Phase::kStopped);
}
