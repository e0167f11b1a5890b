// The pure diff of a reload: which running services are kept, restarted, started or stopped.
#include <doctest/doctest.h>

#include "supervisor/reload_plan.h"

#include "tests/unit/supervisor/plan_test_util.h"

using namespace stackvisor;
using supervisor::PlanReload;
using supervisor::ReloadAction;
using supervisor::ReloadEntry;
using supervisor::ReloadOptions;
using supervisor::testing::MakeDep;
using supervisor::testing::MakeService;
using config::DependCondition;

namespace {

std::vector<const config::Service*> Pointers(const config::Manifest& m) {
  std::vector<const config::Service*> out;
  for (const auto& s : m.services) out.push_back(&s);
  return out;
}

std::string Text(const std::vector<ReloadEntry>& plan) {
  std::string out;
  for (const auto& e : plan)
    out += e.service + " " + supervisor::ReloadActionName(e.action) +
           (e.reason.empty() ? "" : " (" + e.reason + ")") + "\n";
  return out;
}

// db <- web (restart: true) <- proxy (restart: false); cache alone.
config::Manifest Stack() {
  config::Manifest m;
  m.services = {MakeService("db"),
                MakeService("web", {MakeDep("db", DependCondition::kStarted, true, true)}),
                MakeService("proxy", {MakeDep("web")}), MakeService("cache")};
  return m;
}

}  // namespace

TEST_CASE("reload plan: an identical manifest keeps everything, even reordered and moved") {
  auto old = Stack();
  auto next = Stack();
  std::swap(next.services[0], next.services[3]);
  next.services[1].pos = {"compose.yaml", 40, 3};
  CHECK(Text(PlanReload(Pointers(old), next, {})) ==
        "cache keep\ndb keep\nweb keep\nproxy keep\n");
}

TEST_CASE("reload plan: a changed service restarts, with its restart:true dependents only") {
  auto old = Stack();
  auto next = Stack();
  next.services[0].environment["V"] = "2";
  CHECK(Text(PlanReload(Pointers(old), next, {})) ==
        "db restart (changed)\nweb restart (dependency db restarts)\nproxy keep\ncache keep\n");
}

TEST_CASE("reload plan: restart:true carries over transitively") {
  auto old = Stack();
  old.services[2].depends_on[0].restart = true;
  auto next = old;
  next.services[0].argv = {"false"};
  CHECK(Text(PlanReload(Pointers(old), next, {})) ==
        "db restart (changed)\nweb restart (dependency db restarts)\n"
        "proxy restart (dependency web restarts)\ncache keep\n");
}

TEST_CASE("reload plan: added services start in dependency order, removed ones stop") {
  auto old = Stack();
  config::Manifest next;
  next.services = {MakeService("worker", {MakeDep("queue")}), old.services[0], old.services[1],
                   old.services[2], MakeService("queue")};
  CHECK(Text(PlanReload(Pointers(old), next, {})) ==
        "db keep\nweb keep\nproxy keep\nqueue start (new)\nworker start (new)\n"
        "cache stop (removed)\n");
}

TEST_CASE("reload plan: --force-recreate restarts all, --no-recreate none") {
  auto old = Stack();
  auto next = Stack();
  next.services[3].argv = {"false"};
  next.services.push_back(MakeService("new"));
  CHECK(Text(PlanReload(Pointers(old), next, ReloadOptions{true, false, {}})) ==
        "db restart (forced)\nweb restart (forced)\nproxy restart (forced)\n"
        "cache restart (forced)\nnew start (new)\n");
  CHECK(Text(PlanReload(Pointers(old), next, ReloadOptions{false, true, {}})) ==
        "db keep\nweb keep\nproxy keep\ncache keep\nnew start (new)\n");
  CHECK(supervisor::ReloadSummary(PlanReload(Pointers(old), next, {})) ==
        "3 kept, 1 restarted, 1 started, 0 stopped");
}

TEST_CASE("reload plan: against nothing running, every service starts") {
  auto next = Stack();
  CHECK(Text(PlanReload({}, next, {})) ==
        "db start (new)\nweb start (new)\nproxy start (new)\ncache start (new)\n");
}

TEST_CASE("reload plan: up starts kept services that are not running, changed ones restart") {
  auto old = Stack();
  auto next = Stack();
  next.services[0].argv = {"db", "--new"};
  ReloadOptions up;
  up.not_running = {"db", "proxy", "cache"};  // e.g. stopped on request or failed
  CHECK(Text(PlanReload(Pointers(old), next, up)) ==
        "db restart (changed)\nweb restart (dependency db restarts)\nproxy start (not running)\n"
        "cache start (not running)\n");
  up.no_recreate = true;
  CHECK(Text(PlanReload(Pointers(old), next, up)) ==
        "db start (not running)\nweb keep\nproxy start (not running)\ncache start (not running)\n");
  CHECK(supervisor::ReloadSummary(PlanReload(Pointers(old), next, up)) ==
        "1 kept, 0 restarted, 3 started, 0 stopped");
}
