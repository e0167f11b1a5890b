// From changed paths to work per service: which rule takes a path, what is synced, who restarts.
#include <doctest/doctest.h>

#include "watch/rules.h"

using namespace stackvisor;
using config::WatchAction;
using watch::Batch;
using watch::PlanWork;
using watch::RuleSet;

namespace {

config::WatchRule Rule(std::string path, WatchAction action, std::string target = "",
                       std::vector<std::string> ignore = {},
                       std::vector<std::string> include = {}) {
  config::WatchRule r;
  r.path = std::move(path);
  r.action = action;
  r.target = std::move(target);
  r.ignore = std::move(ignore);
  r.include = std::move(include);
  return r;
}

// The example's shape: web and asgi restart on Python changes, db has no rules, static syncs.
config::Manifest Example() {
  config::Manifest m;
  m.project_directory = "/p";
  m.services.resize(4);
  m.services[0].name = "db";
  m.services[1].name = "web";
  m.services[1].watch = {Rule("/p/mysite", WatchAction::kRestart, "", {"media/"}, {"**/*.py"}),
                         Rule("/p/static", WatchAction::kSync, "/p/build/static")};
  m.services[2].name = "asgi";
  m.services[2].watch = {Rule("/p/mysite", WatchAction::kSyncRestart, "/p/run/mysite"),
                         Rule("/p/settings.toml", WatchAction::kRebuild)};
  m.services[3].name = "docs";
  m.services[3].watch = {Rule("/p/docs", WatchAction::kSyncExec, "")};
  return m;
}

}  // namespace

TEST_CASE("watch rules: which rule takes a path") {
  RuleSet rules(Example());
  REQUIRE(rules.rules().size() == 5);
  CHECK(rules.rules()[0].service == 1);
  CHECK(rules.rules()[2].service == 2);
  CHECK(rules.Take(0, "/p/mysite/app/views.py") == std::optional<std::string>("app/views.py"));
  CHECK_FALSE(rules.Take(0, "/p/mysite/app/style.css"));      // not included
  CHECK_FALSE(rules.Take(0, "/p/mysite/media/upload.py"));    // ignored
  CHECK_FALSE(rules.Take(0, "/p/mysite/__pycache__/v.pyc"));  // always ignored
  CHECK_FALSE(rules.Take(0, "/p/mysite/.views.py.swp"));
  CHECK_FALSE(rules.Take(0, "/p/mysiteX/a.py"));  // a sibling with a common prefix
  CHECK_FALSE(rules.Take(0, "/p/other.py"));
  CHECK(rules.Take(2, "/p/mysite/app/style.css"));  // asgi's rule has no include
  CHECK(rules.Take(3, "/p/settings.toml") == std::optional<std::string>(""));  // a file rule
  CHECK_FALSE(rules.Take(3, "/p/settings.toml.bak"));
  CHECK(rules.Descend(0, "/p/mysite/app"));
  CHECK_FALSE(rules.Descend(0, "/p/mysite/media"));
  CHECK_FALSE(rules.Descend(0, "/p/mysite/.git"));
  CHECK(rules.Descend(2, "/p/mysite/media"));
}

TEST_CASE("watch rules: a .py edit restarts web and asgi, never db; only sync rules sync") {
  RuleSet rules(Example());
  Batch batch;
  batch.paths[0] = {"app/views.py"};
  batch.paths[2] = {"app/views.py"};
  auto work = PlanWork(rules, batch, "/p");
  REQUIRE(work.size() == 2);
  CHECK(work[0].service == 1);
  CHECK(work[0].restart);
  CHECK(work[0].syncs.empty());  // restart: nothing to copy
  CHECK(work[0].changed == std::vector<std::string>{"mysite/app/views.py"});
  CHECK(work[1].service == 2);
  CHECK(work[1].restart);
  REQUIRE(work[1].syncs.size() == 1);
  CHECK(work[1].syncs[0].rule == 2);
  CHECK(work[1].syncs[0].paths == std::vector<std::string>{"app/views.py"});
}

TEST_CASE("watch rules: the action kinds") {
  RuleSet rules(Example());
  SUBCASE("sync copies and does not restart") {
    Batch batch;
    batch.paths[1] = {"css/site.css", "js/app.js"};
    auto work = PlanWork(rules, batch, "/p");
    REQUIRE(work.size() == 1);
    CHECK_FALSE(work[0].restart);
    REQUIRE(work[0].syncs.size() == 1);
    CHECK(work[0].syncs[0].paths.size() == 2);
    CHECK(work[0].change_count == 2);
  }
  SUBCASE("a new directory is copied once, not once more per file in it") {
    Batch batch;
    batch.paths[1] = {"css", "css/site.css", "css/print/a.css", "css-old/b.css"};
    auto work = PlanWork(rules, batch, "/p");
    REQUIRE(work.size() == 1);
    REQUIRE(work[0].syncs.size() == 1);
    CHECK(work[0].syncs[0].paths == std::vector<std::string>{"css", "css-old/b.css"});
    CHECK(work[0].change_count == 4);
  }
  SUBCASE("rebuild restarts (there is no image to build)") {
    Batch batch;
    batch.paths[3] = {""};
    auto work = PlanWork(rules, batch, "/p");
    REQUIRE(work.size() == 1);
    CHECK(work[0].restart);
    CHECK(work[0].syncs.empty());
    CHECK(work[0].changed == std::vector<std::string>{"settings.toml"});
  }
  SUBCASE("sync+exec without a target does nothing but is seen") {
    Batch batch;
    batch.paths[4] = {"index.md"};
    auto work = PlanWork(rules, batch, "/p");
    REQUIRE(work.size() == 1);
    CHECK_FALSE(work[0].restart);
    CHECK(work[0].syncs.empty());
  }
  SUBCASE("an overflowed rule syncs everything and restarts once") {
    Batch batch;
    batch.overflowed = {2};
    auto work = PlanWork(rules, batch, "/p");
    REQUIRE(work.size() == 1);
    CHECK(work[0].restart);
    REQUIRE(work[0].syncs.size() == 1);
    CHECK(work[0].syncs[0].everything);
    CHECK(work[0].change_count == 1);
  }
  SUBCASE("the paths shown are bounded, the count is not") {
    Batch batch;
    batch.paths[2] = {"a", "b", "c", "d", "e"};
    auto work = PlanWork(rules, batch, "/p");
    REQUIRE(work.size() == 1);
    CHECK(work[0].changed.size() == watch::kShownPaths);
    CHECK(work[0].change_count == 5);
  }
}
