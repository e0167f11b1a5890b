#include "app/stack_verdict.h"

#include <doctest/doctest.h>

using stackvisor::app::JudgeStack;
using stackvisor::app::ServiceLines;
using stackvisor::app::StackVerdict;
using Json = nlohmann::json;

namespace {

Json Svc(const std::string& name, const std::string& state, const std::string& health = "none",
         bool started = true) {
  Json s = {{"name", name}, {"state", state}, {"health", health}, {"failure", nullptr}};
  s["started_at"] = started ? Json("2026-12-01T14:00:00.000Z") : Json(nullptr);
  return s;
}

Json Stack(std::vector<Json> services, const std::string& state = "running") {
  return {{"project", "p"}, {"state", state}, {"services", services}};
}

}  // namespace

TEST_CASE("JudgeStack: ready when all run (healthy where checked) or completed") {
  auto v = JudgeStack(Stack({Svc("web", "running"), Svc("db", "running", "healthy"),
                             Svc("migrate", "completed")}),
                      {"migrate"});
  CHECK(v.kind == StackVerdict::Kind::kReady);
  CHECK(v.lines == std::vector<std::string>{"web      running", "db       running (healthy)",
                                            "migrate  completed"});
}

TEST_CASE("JudgeStack: waiting for health, a backoff, and a one-shot still running") {
  auto v = JudgeStack(Stack({Svc("db", "running", "starting"), Svc("web", "backoff"),
                             Svc("migrate", "running"), Svc("cache", "running")},
                            "starting"),
                      {"migrate"});
  CHECK(v.kind == StackVerdict::Kind::kWaiting);
  CHECK(v.lines == std::vector<std::string>{"db (running (health: starting))", "web (backoff)",
                                            "migrate (running, a one-shot not yet completed)"});
}

TEST_CASE("JudgeStack: a service without a healthcheck is ready once it has run half a second") {
  Json fresh = Svc("c", "running");
  fresh["uptime_s"] = 0.05;
  Json checked = Svc("db", "running", "healthy");
  checked["uptime_s"] = 0.05;
  auto v = JudgeStack(Stack({fresh, checked}), {});
  CHECK(v.kind == StackVerdict::Kind::kWaiting);
  CHECK(v.lines == std::vector<std::string>{"c (running, up for less than 0.5s)"});
  fresh["uptime_s"] = 0.5;
  CHECK(JudgeStack(Stack({fresh, checked}), {}).kind == StackVerdict::Kind::kReady);
}

TEST_CASE("JudgeStack: blames the service that failed, not those that failed or stopped after it") {
  Json web = Svc("web", "failed", "none", false);
  web["failure"] = "dependency migrate failed";
  Json migrate = Svc("migrate", "failed");
  migrate["failure"] = "exited with code 3";
  auto v = JudgeStack(Stack({Svc("cache", "stopped"), web, migrate}, "stopping"), {});
  CHECK(v.kind == StackVerdict::Kind::kFailed);
  CHECK(v.service == "migrate");
  CHECK(v.reason == "exited with code 3");
}

TEST_CASE("JudgeStack: a stopping stack with nothing failed, and a malformed answer, fail") {
  auto v = JudgeStack(Stack({Svc("web", "stopping")}, "stopping"), {});
  CHECK(v.kind == StackVerdict::Kind::kFailed);
  CHECK(v.reason == "the stack is stopping");
  CHECK(JudgeStack(Json::object(), {}).kind == StackVerdict::Kind::kFailed);
}

TEST_CASE("ServiceLines: the service's own lines and stackvisor's events about it, the last N") {
  std::string log =
      "stackvisor | migrate: started (pid 5)\n"
      "migrate    | one\n"
      "migrations | not ours\n"
      "web        | two | with a bar\n"
      "2026-12-01T14:00:00.000Z migrate    | three\n"
      "stackvisor | migrated: not ours either\n"
      "stackvisor | migrate: exited with code 3";
  CHECK(ServiceLines(log, "migrate", 10) ==
        std::vector<std::string>{"stackvisor | migrate: started (pid 5)", "migrate    | one",
                                 "2026-12-01T14:00:00.000Z migrate    | three",
                                 "stackvisor | migrate: exited with code 3"});
  CHECK(ServiceLines(log, "migrate", 2) ==
        std::vector<std::string>{"2026-12-01T14:00:00.000Z migrate    | three",
                                 "stackvisor | migrate: exited with code 3"});
}
