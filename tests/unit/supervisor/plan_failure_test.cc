// Restarts for unhealthy services count against on-failure:N (issue 10 item 5), and a
// dependency that fails for good fails what requires it, waiting or running (item 7).
#include <doctest/doctest.h>

#include <csignal>

#include "supervisor/plan.h"

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

config::Service Svc(std::string name) {
  config::Service s;
  s.name = std::move(name);
  s.argv = {"sleep", "infinity"};
  return s;
}

config::Dependency Dep(std::string name, config::DependCondition c, bool required = true) {
  config::Dependency d;
  d.service = std::move(name);
  d.condition = c;
  d.required = required;
  return d;
}

std::vector<size_t> Signalled(const std::vector<Action>& actions) {
  std::vector<size_t> out;
  for (const auto& a : actions)
    if (a.kind == Action::Kind::kSignal) out.push_back(a.service);
  return out;
}

// db: a readiness check and on-failure:2; web and worker need it healthy (the stack).
config::Manifest Stack(bool worker_required = true) {
  config::Manifest m;
  m.services = {Svc("db"), Svc("web"), Svc("worker")};
  m.services[0].healthcheck.kind = config::ProbeKind::kExec;
  m.services[0].restart = {config::RestartMode::kOnFailure, 2};
  m.services[1].depends_on = {Dep("db", config::DependCondition::kHealthy)};
  m.services[2].depends_on = {Dep("db", config::DependCondition::kHealthy, worker_required)};
  return m;
}

// One life of db that turns unhealthy: spawned, healthy, unhealthy, killed. Returns the
// actions of its exit.
std::vector<Action> UnhealthyLife(Plan& plan, base::TimePoint& now, pid_t pid) {
  plan.OnSpawned(0, pid, now);
  plan.OnHealthy(0, now += 200ms);
  auto bad = plan.OnUnhealthy(0, "exit code 1", now += 500ms);
  REQUIRE(Signalled(bad) == std::vector<size_t>{0});
  return plan.OnExited(0, false, 143, "killed by SIGTERM", now += 10ms);
}

}  // namespace

TEST_CASE("unhealthy kills count against on-failure:N, with backoff, then it gives up") {
  config::Manifest m;
  m.services = {Svc("db")};
  m.services[0].healthcheck.kind = config::ProbeKind::kExec;
  m.services[0].restart = {config::RestartMode::kOnFailure, 2};
  Plan plan(m, {});
  base::TimePoint now{};
  plan.Start(now);
  std::vector<int64_t> delays;
  for (int i = 0; i < 2; ++i) {
    auto exited = UnhealthyLife(plan, now, 10 + i);
    const Action* timer = Find(exited, Action::Kind::kStartTimer);
    REQUIRE(timer != nullptr);
    delays.push_back(timer->delay.count());
    plan.OnTimer(0, TimerKind::kRestart, now += timer->delay);
  }
  CHECK(delays == std::vector<int64_t>{100, 200});
  auto last = UnhealthyLife(plan, now, 12);
  CHECK(Logged(last, "db: gave up after 2 restarts"));
  CHECK(Find(last, Action::Kind::kStartTimer) == nullptr);
  CHECK(plan.phase(0) == Phase::kFailed);
  REQUIRE(Find(last, Action::Kind::kExit) != nullptr);
  CHECK(Find(last, Action::Kind::kExit)->exit_code == 1);
}

TEST_CASE("always and unless-stopped restart an unhealthy service forever") {
  for (auto mode : {config::RestartMode::kAlways, config::RestartMode::kUnlessStopped}) {
    config::Manifest m;
    m.services = {Svc("db")};
    m.services[0].healthcheck.kind = config::ProbeKind::kExec;
    m.services[0].restart = {mode, 0};
    Plan plan(m, {});
    base::TimePoint now{};
    plan.Start(now);
    for (int i = 0; i < 10; ++i) {
      auto exited = UnhealthyLife(plan, now, 10 + i);
      const Action* timer = Find(exited, Action::Kind::kStartTimer);
      REQUIRE(timer != nullptr);
      plan.OnTimer(0, TimerKind::kRestart, now += timer->delay);
    }
    CHECK(plan.phase(0) == Phase::kStarting);
  }
}

TEST_CASE("a dependency that gives up fails its running dependents and the stack exits 1") {
  config::Manifest m = Stack();
  Plan plan(m, {});
  base::TimePoint now{};
  plan.Start(now);
  plan.OnSpawned(0, 10, now);
  plan.OnHealthy(0, now += 100ms);
  plan.OnSpawned(1, 11, now);
  plan.OnSpawned(2, 12, now);
  for (int i = 0; i < 2; ++i) {
    UnhealthyLife(plan, now, 20 + i);
    plan.OnTimer(0, TimerKind::kRestart, now += 1s);
  }
  auto gave_up = UnhealthyLife(plan, now, 30);
  CHECK(Logged(gave_up, "db: gave up after 2 restarts"));
  CHECK(Logged(gave_up, "web: failed: dependency db failed: gave up after 2 restarts"));
  CHECK(Logged(gave_up, "worker: failed: dependency db failed: gave up after 2 restarts"));
  CHECK(plan.stopping());
  CHECK(Signalled(gave_up) == std::vector<size_t>{2, 1});
  plan.OnExited(2, false, 143, "killed by SIGTERM", now);
  auto end = plan.OnExited(1, false, 143, "killed by SIGTERM", now);
  REQUIRE(Find(end, Action::Kind::kExit) != nullptr);
  CHECK(Find(end, Action::Kind::kExit)->exit_code == 1);
}

TEST_CASE("an optional dependent keeps running when its dependency fails for good") {
  config::Manifest m = Stack(/*worker_required=*/false);
  m.services.erase(m.services.begin() + 1);  // db and worker only
  m.services[0].restart = {config::RestartMode::kNo, 0};
  Plan plan(m, {});
  base::TimePoint now{};
  plan.Start(now);
  plan.OnSpawned(0, 10, now);
  plan.OnHealthy(0, now);
  plan.OnSpawned(1, 11, now);
  auto exited = plan.OnExited(0, false, 1, "exited with code 1", now);
  CHECK(Logged(exited, "worker: optional dependency db failed: exited with code 1; keeps running"));
  CHECK_FALSE(plan.stopping());
  CHECK(Signalled(exited).empty());
  CHECK(plan.phase(1) == Phase::kRunning);
}

TEST_CASE("a dependency that fails for good fails a dependent still waiting for another one") {
  // job needs a started (it was) and b healthy (not yet); a then fails for good.
  config::Manifest m;
  m.services = {Svc("a"), Svc("b"), Svc("job")};
  m.services[1].healthcheck.kind = config::ProbeKind::kExec;
  m.services[2].depends_on = {Dep("a", config::DependCondition::kStarted),
                              Dep("b", config::DependCondition::kHealthy)};
  Plan plan(m, {});
  base::TimePoint now{};
  plan.Start(now);
  plan.OnSpawned(0, 10, now);
  plan.OnSpawned(1, 11, now);
  auto exited = plan.OnExited(0, false, 1, "exited with code 1", now);
  CHECK(Logged(exited, "job: not started: dependency a failed: exited with code 1"));
  CHECK(plan.phase(2) == Phase::kFailed);
  CHECK(plan.stopping());
  CHECK(Signalled(exited) == std::vector<size_t>{1});
  auto end = plan.OnExited(1, false, 143, "killed by SIGTERM", now);
  REQUIRE(Find(end, Action::Kind::kExit) != nullptr);
  CHECK(Find(end, Action::Kind::kExit)->exit_code == 1);
}

TEST_CASE("a dependency that exits with restart no while its dependent runs fails the stack") {
  config::Manifest m;
  m.services = {Svc("db"), Svc("web")};
  m.services[1].depends_on = {Dep("db", config::DependCondition::kStarted)};
  Plan plan(m, {});
  base::TimePoint now{};
  plan.Start(now);
  plan.OnSpawned(0, 10, now);
  plan.OnSpawned(1, 11, now);
  auto exited = plan.OnExited(0, false, 2, "exited with code 2", now);
  CHECK(Logged(exited, "web: failed: dependency db failed: exited with code 2"));
  CHECK(Signalled(exited) == std::vector<size_t>{1});
  auto end = plan.OnExited(1, false, 143, "killed by SIGTERM", now);
  CHECK(Find(end, Action::Kind::kExit)->exit_code == 1);
}

TEST_CASE("--abort-on-container-exit keeps its own exit code when the exited service had dependents") {
  config::Manifest m;
  m.services = {Svc("db"), Svc("web")};
  m.services[0].healthcheck.kind = config::ProbeKind::kExec;  // long-running: exit 0 is no completion
  m.services[1].depends_on = {Dep("db", config::DependCondition::kStarted)};
  supervisor::PlanOptions options;
  options.abort_on_exit = true;
  Plan plan(m, options);
  base::TimePoint now{};
  plan.Start(now);
  plan.OnSpawned(0, 10, now);
  plan.OnSpawned(1, 11, now);
  auto exited = plan.OnExited(0, true, 0, "exited with code 0", now);
  CHECK(Logged(exited, "stopping (db exited)"));
  CHECK_FALSE(Logged(exited, "web: failed: dependency db failed"));
  auto end = plan.OnExited(1, false, 143, "killed by SIGTERM", now);
  REQUIRE(Find(end, Action::Kind::kExit) != nullptr);
  CHECK(Find(end, Action::Kind::kExit)->exit_code == 0);
}
