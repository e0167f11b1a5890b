// The Plan on a 1,000-service lattice: every event must touch only the services it concerns
// (issue 10 item 4: stop time was exponential in depth). Work is counted, not timed: wall time
// lives in bench/scale.sh --shape lattice.
#include <doctest/doctest.h>

#include <deque>

#include "supervisor/plan.h"

using namespace stackvisor;
using supervisor::Action;
using supervisor::Phase;
using supervisor::Plan;

namespace {

// Layers of 2; each service of layer L > 0 depends (service_healthy) on both of layer L - 1.
config::Manifest Lattice(size_t n) {
  config::Manifest m;
  for (size_t i = 0; i < n; ++i) {
    config::Service s;
    s.name = "s" + std::to_string(i);
    s.argv = {"sleep", "infinity"};
    s.healthcheck.kind = config::ProbeKind::kTcp;
    if (i >= 2) {
      size_t below = (i / 2 - 1) * 2;
      for (size_t d : {below, below + 1}) {
        config::Dependency dep;
        dep.service = "s" + std::to_string(d);
        dep.condition = config::DependCondition::kHealthy;
        s.depends_on.push_back(dep);
      }
    }
    m.services.push_back(std::move(s));
  }
  return m;
}

size_t Layer(size_t i) { return i / 2; }

}  // namespace

TEST_CASE("a 1,000-service lattice starts, stops in reverse order and exits with linear work") {
  constexpr size_t kServices = 1000;
  constexpr size_t kEdges = 2 * (kServices - 2);
  config::Manifest m = Lattice(kServices);
  Plan plan(m, {});
  base::TimePoint now{};
  size_t actions = 0;
  bool all_ready = false;
  int exit_code = -1;

  // Start: answer every Spawn with OnSpawned then OnHealthy, as the Supervisor and probes would.
  std::vector<bool> spawned(kServices, false);
  std::deque<size_t> to_spawn;
  auto absorb = [&](const std::vector<Action>& out) {
    actions += out.size();
    for (const Action& a : out) {
      if (a.kind == Action::Kind::kSpawn) {
        // Its dependencies (the layer below) must be up already.
        if (Layer(a.service) > 0) {
          size_t below = (Layer(a.service) - 1) * 2;
          CHECK(spawned[below]);
          CHECK(spawned[below + 1]);
        }
        to_spawn.push_back(a.service);
      }
      if (a.kind == Action::Kind::kAllReady) all_ready = true;
      if (a.kind == Action::Kind::kExit) exit_code = a.exit_code;
    }
  };
  absorb(plan.Start(now));
  while (!to_spawn.empty()) {
    size_t i = to_spawn.front();
    to_spawn.pop_front();
    REQUIRE_FALSE(spawned[i]);
    spawned[i] = true;
    absorb(plan.OnSpawned(i, static_cast<pid_t>(1000 + i), now));
    absorb(plan.OnHealthy(i, now));
  }
  for (size_t i = 0; i < kServices; ++i) REQUIRE(plan.phase(i) == Phase::kRunning);
  CHECK(all_ready);
  // Each edge is looked at when its dependent is first considered and when its dependency
  // changes (started, healthy): a constant per edge, never a rescan of the graph.
  CHECK(plan.condition_checks() <= 3 * kEdges);

  // Stop: a service may be signalled only once both services of the layer above have exited.
  std::vector<bool> exited(kServices, false);
  std::deque<size_t> signalled;
  auto absorb_stop = [&](const std::vector<Action>& out) {
    actions += out.size();
    for (const Action& a : out) {
      if (a.kind == Action::Kind::kSpawn) FAIL("spawn during stop: s" << a.service);
      if (a.kind == Action::Kind::kExit) exit_code = a.exit_code;
      if (a.kind != Action::Kind::kSignal) continue;
      size_t above = (Layer(a.service) + 1) * 2;
      if (above < kServices) {
        CHECK(exited[above]);
        CHECK(exited[above + 1]);
      }
      signalled.push_back(a.service);
    }
  };
  absorb_stop(plan.OnStopRequested("SIGTERM received", now));
  CHECK(signalled.size() == 2);  // only the top layer
  size_t stopped = 0;
  while (!signalled.empty()) {
    size_t i = signalled.front();
    signalled.pop_front();
    exited[i] = true;
    ++stopped;
    absorb_stop(plan.OnExited(i, false, 143, "killed by SIGTERM", now));
  }
  CHECK(stopped == kServices);
  for (size_t i = 0; i < kServices; ++i) CHECK(plan.phase(i) == Phase::kStopped);
  CHECK(exit_code == 0);
  // Spawn, 2 start logs, stop log, signal, kill timer, cancel, stopped log, and a kChanged for
  // each of its 5 changes (starting, started, healthy, stopping, stopped): a handful each.
  CHECK(actions <= 14 * kServices);
}

TEST_CASE("9,000 independent services: no event looks at another service") {
  config::Manifest m;
  for (int i = 0; i < 9000; ++i) {
    config::Service s;
    s.name = "s" + std::to_string(i);
    s.argv = {"sleep", "infinity"};
    m.services.push_back(std::move(s));
  }
  Plan plan(m, {});
  base::TimePoint now{};
  auto start = plan.Start(now);
  REQUIRE(start.size() == 2 * 9000);  // a Spawn and a kChanged each
  size_t ready = 0;
  for (const Action& a : start) {
    if (a.kind != Action::Kind::kSpawn) continue;
    auto out = plan.OnSpawned(a.service, static_cast<pid_t>(a.service + 100), now);
    // Its log line and kChanged (and, at the very end, "all services ready" and kAllReady).
    CHECK(out.size() <= 4);
    for (const Action& b : out) ready += b.kind == Action::Kind::kAllReady;
  }
  CHECK(ready == 1);
  CHECK(plan.condition_checks() == 0);
}

TEST_CASE("a failure at the bottom of a 1,000-service lattice fails only its direct dependents") {
  constexpr size_t kServices = 1000;
  config::Manifest m = Lattice(kServices);
  Plan plan(m, {});
  base::TimePoint now{};
  plan.Start(now);
  plan.OnSpawned(0, 10, now);
  plan.OnSpawned(1, 11, now);
  auto never = plan.OnNeverHealthy(0, "connection refused", now);
  size_t not_started = 0;
  for (const Action& a : never) {
    if (a.kind == Action::Kind::kLog && a.text.find(": not started: ") != std::string::npos)
      ++not_started;
  }
  // s2 and s3 say why; the other 996 are simply stopped, not told a chain of reasons.
  CHECK(not_started == 2);
  CHECK(plan.stopping());
  plan.OnExited(0, false, 143, "killed by SIGTERM", now);
  auto end = plan.OnExited(1, false, 143, "killed by SIGTERM", now);
  REQUIRE(!end.empty());
  CHECK(end.back().kind == Action::Kind::kExit);
  CHECK(end.back().exit_code == 1);
  for (size_t i = 2; i < kServices; ++i) CHECK(plan.phase(i) != Phase::kRunning);
}

TEST_CASE("stop and start of one service on a 1,000-service lattice stay linear and in order") {
  constexpr size_t kServices = 1000;
  constexpr size_t kEdges = 2 * (kServices - 2);
  config::Manifest m = Lattice(kServices);
  Plan plan(m, {});
  base::TimePoint now{};
  std::deque<size_t> to_spawn;
  std::deque<size_t> signalled;
  std::vector<bool> down(kServices, false);
  size_t actions = 0;
  bool exited = false;
  auto absorb = [&](const std::vector<Action>& out) {
    actions += out.size();
    for (const Action& a : out) {
      if (a.kind == Action::Kind::kSpawn) to_spawn.push_back(a.service);
      if (a.kind == Action::Kind::kExit) exited = true;
      if (a.kind != Action::Kind::kSignal) continue;
      size_t above = (Layer(a.service) + 1) * 2;  // what requires it has exited already
      if (above < kServices) CHECK((down[above] && down[above + 1]));
      signalled.push_back(a.service);
    }
  };
  auto spawn_all = [&] {
    while (!to_spawn.empty()) {
      size_t i = to_spawn.front();
      to_spawn.pop_front();
      absorb(plan.OnSpawned(i, static_cast<pid_t>(1000 + i), now));
      absorb(plan.OnHealthy(i, now));
    }
  };
  auto exit_all = [&] {
    while (!signalled.empty()) {
      size_t i = signalled.front();
      signalled.pop_front();
      down[i] = true;
      absorb(plan.OnExited(i, false, 143, "killed by SIGTERM", now));
    }
  };
  absorb(plan.Start(now));
  spawn_all();
  // Stopping the bottom service stops everything above it first, top layer first.
  size_t checks = plan.condition_checks();
  actions = 0;
  absorb(plan.OnStopServiceRequested(0, std::nullopt, now));
  CHECK(signalled.size() == 2);
  exit_all();
  CHECK(plan.phase(0) == Phase::kStopped);
  CHECK(plan.phase(1) == Phase::kRunning);  // it requires nothing that stopped
  for (size_t i = 2; i < kServices; ++i) CHECK(plan.phase(i) == Phase::kStopped);
  CHECK_FALSE(exited);
  // Starting one top service starts everything it requires, bottom first; its neighbour in
  // the top layer is not required by it and stays stopped.
  const size_t top = kServices - 2;
  std::fill(down.begin(), down.end(), false);
  down[top + 1] = true;
  absorb(plan.OnStartRequested(top, now));
  CHECK(to_spawn == std::deque<size_t>{0});
  spawn_all();
  for (size_t i = 0; i <= top; ++i) CHECK(plan.phase(i) == Phase::kRunning);
  CHECK(plan.phase(top + 1) == Phase::kStopped);
  CHECK(plan.condition_checks() - checks <= 3 * kEdges);
  // About 8 actions per service to stop it (log, signal, timers, kChanged) and 7 to start it.
  CHECK(actions <= 16 * kServices);
  // And the stack stop afterwards still goes in reverse order: the bookkeeping was restored.
  absorb(plan.OnStopRequested("SIGTERM received", now));
  CHECK(signalled.size() == 1);
  exit_all();
  CHECK(exited);
}
