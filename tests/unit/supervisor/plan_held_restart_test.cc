// A failed dependent's restart as its dependencies decide it: held while a dependency it
// waits for is still starting, run at once when the attempt began before that dependency
// turned healthy, and left alone when its dependencies are settled.
#include <doctest/doctest.h>

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

namespace {

// db has a healthcheck; web depends on it plainly (started), as most compose files do, and
// restarts on failure; other restarts on failure and depends on nothing.
config::Manifest DbWebOther() {
  config::Manifest m;
  m.services = {MakeService("db"), MakeService("web", {MakeDep("db")}), MakeService("other")};
  m.services[0].healthcheck.kind = config::ProbeKind::kExec;
  m.services[1].restart.mode = config::RestartMode::kOnFailure;
  m.services[2].restart.mode = config::RestartMode::kOnFailure;
  return m;
}

void StartAll(Plan& plan, TestClock& clock) {
  plan.Start(clock.now);
  plan.OnSpawned(0, 10, clock.now);
  plan.OnSpawned(1, 11, clock.now);
  plan.OnSpawned(2, 12, clock.now);
}

// web fails once and its 100 ms backoff ends while db is still starting: its restart is held.
void HoldWeb(Plan& plan, TestClock& clock) {
  plan.OnExited(1, false, 1, "exited with code 1", clock.Advance(10ms));
  plan.OnTimer(1, TimerKind::kRestart, clock.Advance(100ms));
  REQUIRE(plan.phase(1) == Phase::kBackoff);
}

}  // namespace

TEST_CASE("a restart due while its dependency is still starting waits, re-checking each delay") {
  const config::Manifest m = DbWebOther();  // the Plan keeps a reference
  Plan plan(m, {});
  TestClock clock;
  StartAll(plan, clock);
  auto failed = plan.OnExited(1, false, 1, "exited with code 1", clock.Advance(10ms));
  const Action* timer = Find(failed, Kind::kStartTimer);
  REQUIRE(timer != nullptr);
  CHECK(timer->delay == 100ms);
  CHECK(Logged(failed, "web: restarting in 100 ms (restart 1)"));

  // The delay ends with db still initialising: no spawn, the same delay again, said once.
  auto due = plan.OnTimer(1, TimerKind::kRestart, clock.Advance(100ms));
  CHECK(Services(due, Kind::kSpawn).empty());
  CHECK(Logged(due, "web: restart waits for db to become healthy"));
  const Action* recheck = Find(due, Kind::kStartTimer);
  REQUIRE(recheck != nullptr);
  CHECK(recheck->service == 1);
  CHECK(recheck->delay == 100ms);
  CHECK(plan.phase(1) == Phase::kBackoff);
  CHECK(plan.Status(1).waiting_for == "db (healthy)");  // what ps and up -d show
  auto again = plan.OnTimer(1, TimerKind::kRestart, clock.Advance(100ms));
  CHECK(Services(again, Kind::kSpawn).empty());
  CHECK_FALSE(Logged(again, "web: restart waits for db to become healthy"));
  CHECK(Find(again, Kind::kStartTimer) != nullptr);

  // db turns healthy: web starts at once and its timer is cancelled.
  auto healthy = plan.OnHealthy(0, clock.Advance(40ms));
  CHECK(Has(healthy, Kind::kSpawn, 1));
  CHECK(Has(healthy, Kind::kCancelTimer, 1));
  CHECK(Logged(healthy, "web: restarting now: db is healthy"));
  CHECK(plan.phase(1) == Phase::kStarting);
  CHECK(plan.Status(1).waiting_for.empty());
  CHECK(Services(plan.OnTimer(1, TimerKind::kRestart, clock.Advance(100ms)), Kind::kSpawn).empty());
}

TEST_CASE("a held restart goes ahead once its dependency stops starting without turning healthy") {
  const config::Manifest m = DbWebOther();  // the Plan keeps a reference
  Plan plan(m, {});
  TestClock clock;
  StartAll(plan, clock);
  HoldWeb(plan, clock);
  plan.OnUnhealthy(0, "probe failed", clock.Advance(50ms));
  // The next re-check finds db no longer starting: web gets its attempt.
  auto due = plan.OnTimer(1, TimerKind::kRestart, clock.Advance(50ms));
  CHECK(Services(due, Kind::kSpawn) == std::vector<size_t>{1});
  CHECK(plan.phase(1) == Phase::kStarting);
}

TEST_CASE("an attempt that began before its dependency turned healthy is retried at once") {
  const config::Manifest m = DbWebOther();  // the Plan keeps a reference
  Plan plan(m, {});
  TestClock clock;
  StartAll(plan, clock);
  plan.OnHealthy(0, clock.Advance(500ms));  // web was started at 0, db healthy at 500 ms
  auto failed = plan.OnExited(1, false, 1, "exited with code 1", clock.Advance(20ms));
  CHECK(Services(failed, Kind::kSpawn) == std::vector<size_t>{1});
  CHECK(Find(failed, Kind::kStartTimer) == nullptr);
  CHECK(Logged(failed, "web: restarting now: db became healthy after it started (restart 1)"));
  CHECK(plan.Status(1).restarts == 1);

  // The retry began after db was healthy: its failure is web's own and backs off as usual,
  // the backoff still counting the first attempt.
  plan.OnSpawned(1, 13, clock.now);
  auto own = plan.OnExited(1, false, 1, "exited with code 1", clock.Advance(20ms));
  CHECK(Services(own, Kind::kSpawn).empty());
  const Action* timer = Find(own, Kind::kStartTimer);
  REQUIRE(timer != nullptr);
  CHECK(timer->delay == 200ms);
  CHECK(Logged(own, "web: restarting in 200 ms (restart 2)"));
}

TEST_CASE("no attempt is retried at once while another dependency is still starting") {
  // web needs db and cache; cache turns healthy during web's attempt, db does not.
  config::Manifest m = DbWebOther();
  m.services[2].healthcheck.kind = config::ProbeKind::kExec;
  m.services[1].depends_on.push_back(MakeDep("other"));
  Plan plan(m, {});
  TestClock clock;
  StartAll(plan, clock);
  plan.OnHealthy(2, clock.Advance(50ms));
  auto failed = plan.OnExited(1, false, 1, "exited with code 1", clock.Advance(20ms));
  CHECK(Services(failed, Kind::kSpawn).empty());
  CHECK(Logged(failed, "web: restarting in 100 ms (restart 1)"));
  auto due = plan.OnTimer(1, TimerKind::kRestart, clock.Advance(100ms));
  CHECK(Services(due, Kind::kSpawn).empty());
  CHECK(Logged(due, "web: restart waits for db to become healthy"));
  CHECK(Has(plan.OnHealthy(0, clock.Advance(10ms)), Kind::kSpawn, 1));
}

TEST_CASE("an optional dependency that is still starting does not hold a restart") {
  config::Manifest m = DbWebOther();
  m.services[1].depends_on[0].required = false;
  Plan plan(m, {});
  TestClock clock;
  StartAll(plan, clock);
  plan.OnExited(1, false, 1, "exited with code 1", clock.Advance(10ms));
  auto due = plan.OnTimer(1, TimerKind::kRestart, clock.Advance(100ms));
  CHECK(Services(due, Kind::kSpawn) == std::vector<size_t>{1});
  CHECK_FALSE(Logged(due, "web: restart waits for db to become healthy"));
}

TEST_CASE("a service with no dependency still starting restarts on its own backoff") {
  const config::Manifest m = DbWebOther();  // the Plan keeps a reference
  Plan plan(m, {});
  TestClock clock;
  StartAll(plan, clock);
  plan.OnExited(2, false, 1, "exited with code 1", clock.Advance(10ms));
  auto due = plan.OnTimer(2, TimerKind::kRestart, clock.Advance(100ms));
  CHECK(Services(due, Kind::kSpawn) == std::vector<size_t>{2});

  // Once db is healthy, web's own failures back off normally too.
  plan.OnHealthy(0, clock.Advance(10ms));
  plan.OnExited(1, false, 1, "exited with code 1", clock.Advance(10ms));  // retried at once
  plan.OnSpawned(1, 14, clock.now);
  plan.OnExited(1, false, 1, "exited with code 1", clock.Advance(10ms));
  auto web_due = plan.OnTimer(1, TimerKind::kRestart, clock.Advance(200ms));
  CHECK(Services(web_due, Kind::kSpawn) == std::vector<size_t>{1});
}

TEST_CASE("a held restart is not spawned once the stack is stopping") {
  const config::Manifest m = DbWebOther();  // the Plan keeps a reference
  Plan plan(m, {});
  TestClock clock;
  StartAll(plan, clock);
  HoldWeb(plan, clock);
  plan.OnStopRequested("SIGTERM", clock.Advance(10ms));
  CHECK(Services(plan.OnHealthy(0, clock.Advance(10ms)), Kind::kSpawn).empty());
  auto due = plan.OnTimer(1, TimerKind::kRestart, clock.Advance(100ms));
  CHECK(Services(due, Kind::kSpawn).empty());
  CHECK(Find(due, Kind::kStartTimer) == nullptr);
}
