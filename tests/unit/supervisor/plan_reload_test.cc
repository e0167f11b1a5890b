// The Plan applying a reload: redefined services restart after their new dependencies,
// removed ones stop and become tombstones, new ones are appended and started; nothing else
// is touched.
#include <doctest/doctest.h>

#include <csignal>
#include <algorithm>
#include <deque>
#include <memory>

#include "supervisor/plan.h"

#include "tests/unit/supervisor/plan_test_util.h"

using namespace stackvisor;
using namespace std::chrono_literals;
using supervisor::Action;
using supervisor::Phase;
using supervisor::Plan;
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

// db <- web; cache alone. Everything running.
struct Fixture {
  config::Manifest m;
  std::deque<config::Service> defs;  // what a reload applies: kept as long as the Plan
  TestClock clock;
  std::unique_ptr<Plan> plan;

  explicit Fixture(supervisor::PlanOptions options = {}) {
    m.services = {MakeService("db"), MakeService("web", {MakeDep("db")}), MakeService("cache")};
    m.services[0].stop_signal = SIGINT;
    plan = std::make_unique<Plan>(m, options);
    plan->Start(clock.now);
    plan->OnSpawned(0, 100, clock.now);
    plan->OnSpawned(2, 102, clock.now);
    plan->OnSpawned(1, 101, clock.now);
    for (size_t i = 0; i < 3; ++i) REQUIRE(plan->phase(i) == Phase::kRunning);
  }
  const config::Service* Def(config::Service s) { return &defs.emplace_back(std::move(s)); }
};

}  // namespace

TEST_CASE("reload: a redefined service stops with its old stop signal and starts anew") {
  Fixture f;
  config::Service db = f.m.services[0];
  db.stop_signal = SIGTERM;
  db.argv = {"db", "--new"};
  auto apply = f.plan->OnApply({{{0, f.Def(db)}}, {}, {}, {}}, f.clock.now);
  CHECK(Services(apply, Kind::kSignal) == std::vector<size_t>{0});  // web and cache untouched
  CHECK(Find(apply, Kind::kSignal)->signal == SIGINT);
  CHECK(Logged(apply, "db: definition changed: restarting"));
  CHECK(f.plan->phase(1) == Phase::kRunning);
  auto exited = f.plan->OnExited(0, false, 130, "killed by SIGINT", f.clock.now);
  CHECK(Services(exited, Kind::kSpawn) == std::vector<size_t>{0});
  CHECK(f.plan->definition(0).argv == std::vector<std::string>{"db", "--new"});
  f.plan->OnSpawned(0, 200, f.clock.now);
  CHECK(f.plan->phase(0) == Phase::kRunning);
  CHECK(f.plan->Status(0).restarts == 0);
  CHECK(f.plan->Status(1).pid == 101);
  CHECK(f.plan->Status(2).pid == 102);
}

TEST_CASE("reload: a redefinition waits for a new dependency's condition") {
  Fixture f;
  config::Service queue = MakeService("queue");
  queue.healthcheck.kind = config::ProbeKind::kTcp;
  const config::Service* queue_def = f.Def(queue);
  config::Service web = f.m.services[1];
  web.depends_on.push_back(MakeDep("queue", DependCondition::kHealthy));
  size_t qid = f.plan->AddService(*queue_def);
  CHECK(qid == 3);  // appended: no id is renumbered
  auto apply = f.plan->OnApply({{{1, f.Def(web)}}, {}, {{qid, queue_def}}, {}}, f.clock.now);
  CHECK(Services(apply, Kind::kSpawn) == std::vector<size_t>{3});
  CHECK(Services(apply, Kind::kSignal) == std::vector<size_t>{1});
  auto exited = f.plan->OnExited(1, false, 143, "killed by SIGTERM", f.clock.now);
  CHECK(Find(exited, Kind::kSpawn) == nullptr);
  CHECK(f.plan->phase(1) == Phase::kWaiting);
  f.plan->OnSpawned(3, 103, f.clock.now);
  CHECK(f.plan->Status(1).waiting_for == "queue (healthy)");
  auto healthy = f.plan->OnHealthy(3, f.clock.now);
  CHECK(Services(healthy, Kind::kSpawn) == std::vector<size_t>{1});
}

TEST_CASE("reload: a dependent restarted with its dependency waits for the new process") {
  Fixture f;
  config::Service db = f.m.services[0];
  db.argv = {"db", "--new"};
  config::Service web = f.m.services[1];  // unchanged, restarted because of db
  f.plan->OnApply({{{0, f.Def(db)}, {1, f.Def(web)}}, {}, {}, {}}, f.clock.now);
  // web's old process exits first: db's old process must not satisfy "started".
  auto web_exit = f.plan->OnExited(1, false, 143, "killed by SIGTERM", f.clock.now);
  CHECK(Find(web_exit, Kind::kSpawn) == nullptr);
  CHECK(f.plan->phase(1) == Phase::kWaiting);
  auto db_exit = f.plan->OnExited(0, false, 130, "killed by SIGINT", f.clock.now);
  CHECK(Services(db_exit, Kind::kSpawn) == std::vector<size_t>{0});
  auto db_up = f.plan->OnSpawned(0, 200, f.clock.now);
  CHECK(Services(db_up, Kind::kSpawn) == std::vector<size_t>{1});
}

TEST_CASE("reload: a removed service stops, becomes a tombstone, and its name comes back") {
  Fixture f;
  auto apply = f.plan->OnApply({{}, {2}, {}, {}}, f.clock.now);
  CHECK(Services(apply, Kind::kSignal) == std::vector<size_t>{2});
  CHECK_FALSE(f.plan->Find("cache"));
  CHECK(f.plan->removed(2));
  auto exited = f.plan->OnExited(2, false, 143, "killed by SIGTERM", f.clock.now);
  CHECK(f.plan->phase(2) == Phase::kStopped);
  CHECK(Find(exited, Kind::kExit) == nullptr);   // the rest keeps running
  CHECK(Find(exited, Kind::kStartTimer) == nullptr);
  // Back in a later edit: the same id, a fresh state.
  const config::Service* cache = f.Def(f.m.services[2]);
  size_t id = f.plan->AddService(*cache);
  CHECK(id == 2);
  CHECK(f.plan->size() == 3);
  auto start = f.plan->OnApply({{}, {}, {{id, cache}}, {}}, f.clock.now);
  CHECK(Services(start, Kind::kSpawn) == std::vector<size_t>{2});
  f.plan->OnSpawned(2, 302, f.clock.now);
  CHECK(f.plan->Find("cache") == std::optional<size_t>(2));
  // A stack stop still ends with every live service down.
  f.plan->OnStopRequested("test", f.clock.now);
  f.plan->OnExited(1, false, 143, "killed", f.clock.now);
  f.plan->OnExited(2, false, 143, "killed", f.clock.now);
  auto last = f.plan->OnExited(0, false, 130, "killed", f.clock.now);
  CHECK(Find(last, Kind::kExit) != nullptr);
}

TEST_CASE("reload: a tombstone is left out of the counts: the stack finishes without it") {
  Fixture f;
  // Remove web then db (dependents first), the way the Supervisor orders removals.
  f.plan->OnApply({{}, {1, 0}, {}, {}}, f.clock.now);
  auto web = f.plan->OnExited(1, false, 143, "killed", f.clock.now);
  CHECK(Services(web, Kind::kSignal) == std::vector<size_t>{0});  // db after its dependent
  f.plan->OnExited(0, false, 130, "killed", f.clock.now);
  f.plan->OnStopRequested("test", f.clock.now);
  auto last = f.plan->OnExited(2, false, 143, "killed", f.clock.now);
  CHECK(Find(last, Kind::kExit) != nullptr);
  CHECK(Find(last, Kind::kExit)->exit_code == 0);
}

TEST_CASE("reload: all ready is reached again with an added service counted") {
  Fixture f;
  const config::Service* extra = f.Def(MakeService("extra", {MakeDep("db")}));
  size_t id = f.plan->AddService(*extra);
  auto apply = f.plan->OnApply({{}, {}, {{id, extra}}, {}}, f.clock.now);
  CHECK(Services(apply, Kind::kSpawn) == std::vector<size_t>{3});
  f.plan->OnSpawned(3, 104, f.clock.now);
  CHECK(f.plan->phase(3) == Phase::kRunning);
  // A stop of db now waits for the new dependent too.
  auto stop = f.plan->OnStopServiceRequested(0, std::nullopt, f.clock.now);
  auto signalled = Services(stop, Kind::kSignal);
  CHECK(std::find(signalled.begin(), signalled.end(), 3u) != signalled.end());
  CHECK(std::find(signalled.begin(), signalled.end(), 0u) == signalled.end());
}

TEST_CASE("reload: refused while the stack is stopping") {
  Fixture f;
  f.plan->OnStopRequested("test", f.clock.now);
  auto apply = f.plan->OnApply({{}, {2}, {}, {}}, f.clock.now);
  CHECK(Logged(apply, "reload refused: the stack is stopping"));
  CHECK_FALSE(f.plan->removed(2));
}

TEST_CASE("reload: up wakes a service stopped on request; its stopped dependency starts first") {
  Fixture f;
  f.plan->OnStopServiceRequested(0, std::nullopt, f.clock.now);  // db: web stops first
  f.plan->OnExited(1, false, 143, "killed by SIGTERM", f.clock.now);
  f.plan->OnExited(0, false, 130, "killed by SIGINT", f.clock.now);
  REQUIRE(f.plan->phase(0) == Phase::kStopped);
  REQUIRE(f.plan->phase(1) == Phase::kStopped);
  supervisor::Plan::Changes changes;
  changes.wake = {1};
  auto apply = f.plan->OnApply(changes, f.clock.now);
  CHECK(Services(apply, Kind::kSpawn) == std::vector<size_t>{0});  // web waits for db
  CHECK(f.plan->phase(1) == Phase::kWaiting);
  CHECK(Logged(apply, "web: not running: starting"));
  auto db_up = f.plan->OnSpawned(0, 200, f.clock.now);
  CHECK(Services(db_up, Kind::kSpawn) == std::vector<size_t>{1});
  f.plan->OnSpawned(1, 201, f.clock.now);
  CHECK(f.plan->phase(1) == Phase::kRunning);
  CHECK_FALSE(f.plan->Status(1).stopped_by_request);
  CHECK(f.plan->phase(2) == Phase::kRunning);  // cache untouched
}
