// Replicas: `scale:`, `deploy.replicas` and --scale expand a service into web-1..web-N.
#include <doctest/doctest.h>

#include "config/loader.h"
#include "config/replicas.h"
#include "tests/unit/config/load_test_util.h"

using namespace stackvisor::config;
using namespace stackvisor::config::testing;
using Names = std::vector<std::string>;

namespace {

Names NamesOf(const Manifest& m) {
  Names out;
  for (const auto& s : m.services) out.push_back(s.name);
  return out;
}

Names DepsOf(const Service& s) {
  Names out;
  for (const auto& d : s.depends_on) out.push_back(d.service);
  return out;
}

std::optional<std::string> Env(const Service& s, const std::string& key) {
  auto it = s.environment.find(key);
  return it == s.environment.end() ? std::nullopt : it->second;
}

LoadResult WithScale(const std::string& yaml, std::map<std::string, int> scale) {
  LoadOptions options = OptionsIn("");
  options.scale = std::move(scale);
  return LoadText(yaml, options);
}

}  // namespace

TEST_CASE("scale: 3 gives web-1..web-3 in the service's place, each with its index") {
  auto result = LoadText(
      "services:\n"
      "  db: {command: db}\n"
      "  web: {command: web, scale: 3, environment: {STACKVISOR_REPLICA: mine, A: b}}\n"
      "  tail: {command: t}\n");
  REQUIRE_MESSAGE(result.manifest, Text(result));
  CHECK(Text(result) == "");
  CHECK(NamesOf(*result.manifest) == Names{"db", "web-1", "web-2", "web-3", "tail"});
  for (int i = 1; i <= 3; ++i) {
    const Service& s = result.manifest->services[i];
    CHECK(s.replica_of == "web");
    CHECK(s.replica == i);
    CHECK(s.replicas == 3);
    CHECK(Env(s, "STACKVISOR_REPLICA") == std::to_string(i));  // ours beats the file's
    CHECK(Env(s, "STACKVISOR_REPLICAS") == "3");
    CHECK(Env(s, "A") == "b");
    CHECK(s.argv == std::vector<std::string>{"web"});
  }
  const Service& db = result.manifest->services[0];
  CHECK(db.replica_of.empty());
  CHECK(db.replica == 0);
  CHECK_FALSE(Env(db, "STACKVISOR_REPLICA"));
}

TEST_CASE("deploy.replicas counts like scale; the other deploy keys are ignored by name") {
  auto result = LoadText(
      "services:\n"
      "  web:\n"
      "    command: web\n"
      "    deploy:\n"
      "      replicas: 2\n"
      "      resources: {limits: {cpus: '0.5'}}\n");
  REQUIRE_MESSAGE(result.manifest, Text(result));
  CHECK(NamesOf(*result.manifest) == Names{"web-1", "web-2"});
  CHECK(Text(result) ==
        "inline.yaml:6:7: warning: services.web.deploy.resources: ignored: stackvisor runs "
        "native processes\n");
  CHECK(result.manifest->services[0].engine.ignored == Names{"deploy.resources"});
}

TEST_CASE("scale and deploy.replicas must agree when both are given") {
  auto agree = LoadText("services:\n  web: {command: w, scale: 2, deploy: {replicas: 2}}\n");
  REQUIRE_MESSAGE(agree.manifest, Text(agree));
  CHECK(NamesOf(*agree.manifest) == Names{"web-1", "web-2"});

  auto differ = LoadText(
      "services:\n"
      "  web:\n"
      "    command: w\n"
      "    scale: 2\n"
      "    deploy: {replicas: 3}\n");
  CHECK_FALSE(differ.manifest);
  CHECK(Text(differ) ==
        "inline.yaml:5:14: error: services.web.deploy.replicas: 3 replicas, but scale gives 2: "
        "give one count, or the same\n");
}

TEST_CASE("a count is a non-negative integer up to kMaxReplicas") {
  auto negative = LoadText("services:\n  web: {command: w, scale: -1}\n");
  CHECK(Text(negative) ==
        "inline.yaml:2:28: error: services.web.scale: expected a non-negative integer, got "
        "'-1'\n");
  auto huge = LoadText("services:\n  web: {command: w, deploy: {replicas: 10001}}\n");
  CHECK(Text(huge) ==
        "inline.yaml:2:40: error: services.web.deploy.replicas: expected a non-negative "
        "integer, got '10001'\n");
}

TEST_CASE("a count of 1 keeps the name and sets the index; 0 removes the service") {
  auto result = LoadText(
      "services:\n"
      "  one: {command: o, scale: 1}\n"
      "  none: {command: n, scale: 0}\n"
      "  app: {command: a, depends_on: {none: {condition: service_healthy}, one: {}}}\n");
  REQUIRE_MESSAGE(result.manifest, Text(result));
  CHECK(NamesOf(*result.manifest) == Names{"one", "app"});
  const Service& one = result.manifest->services[0];
  CHECK(one.replica_of == "one");
  CHECK(one.replica == 1);
  CHECK(Env(one, "STACKVISOR_REPLICAS") == "1");
  // compose does not wait for a dependency scaled to 0
  CHECK(DepsOf(result.manifest->services[1]) == Names{"one"});
}

TEST_CASE("a dependency on a group is one on every replica, with its condition") {
  auto result = LoadText(
      "services:\n"
      "  db: {command: d, scale: 2}\n"
      "  web:\n"
      "    command: w\n"
      "    scale: 2\n"
      "    depends_on: {db: {condition: service_healthy, restart: true}}\n"
      "  proxy: {command: p, depends_on: [web]}\n");
  REQUIRE_MESSAGE(result.manifest, Text(result));
  const auto& services = result.manifest->services;
  REQUIRE(NamesOf(*result.manifest) == Names{"db-1", "db-2", "web-1", "web-2", "proxy"});
  for (size_t i : {2u, 3u}) {
    CHECK(DepsOf(services[i]) == Names{"db-1", "db-2"});
    for (const auto& d : services[i].depends_on) {
      CHECK(d.condition == DependCondition::kHealthy);
      CHECK(d.restart);
    }
  }
  CHECK(DepsOf(services[4]) == Names{"web-1", "web-2"});
  CHECK(StartOrder(*result.manifest) == Names{"db-1", "db-2", "web-1", "web-2", "proxy"});
}

TEST_CASE("--scale beats the file's count, and must name a service") {
  const std::string yaml = "services:\n  web: {command: w, scale: 3}\n  db: {command: d}\n";
  auto down = WithScale(yaml, {{"web", 1}, {"db", 2}});
  REQUIRE_MESSAGE(down.manifest, Text(down));
  CHECK(NamesOf(*down.manifest) == Names{"web", "db-1", "db-2"});
  CHECK(Env(down.manifest->services[0], "STACKVISOR_REPLICAS") == "1");

  auto unknown = WithScale(yaml, {{"wbe", 2}});
  CHECK(Text(unknown) ==
        "stackvisor: error: --scale wbe=2: no such service: 'wbe', did you mean 'web'?\n");
  auto negative = WithScale(yaml, {{"web", -2}});
  CHECK(Text(negative) == "stackvisor: error: --scale web=-2: expected a count from 0 to 10000\n");
}

TEST_CASE("a replica name another service already has is an error at the count") {
  auto result = LoadText(
      "services:\n"
      "  web: {command: w, scale: 3}\n"
      "  web-2: {command: x}\n");
  CHECK_FALSE(result.manifest);
  CHECK(Text(result) ==
        "inline.yaml:2:21: error: services.web.scale: 3 replicas of 'web' are named "
        "web-1..web-3, but 'web-2' is another service: rename one of them\n");
  auto from_cli = WithScale("services:\n  web: {command: w}\n  web-1: {command: x}\n",
                            {{"web", 2}});
  CHECK(Text(from_cli) ==
        "stackvisor: error: --scale web=2: 2 replicas of 'web' are named web-1..web-2, but "
        "'web-1' is another service: rename one of them\n");
}

TEST_CASE("graph errors name the service as written, not its replicas") {
  auto result = LoadText(
      "services:\n"
      "  a: {command: a, scale: 2, depends_on: [b]}\n"
      "  b: {command: b, depends_on: [a]}\n");
  CHECK(Text(result).find("dependency cycle: a -> b -> a") != std::string::npos);
}

TEST_CASE("ResolveServiceName: a service, a replica, a group, nothing") {
  auto result = LoadText(
      "services:\n"
      "  db: {command: d}\n"
      "  web: {command: w, scale: 3}\n"
      "  one: {command: o, scale: 1}\n");
  REQUIRE_MESSAGE(result.manifest, Text(result));
  const Manifest& m = *result.manifest;
  using Indices = std::vector<size_t>;
  CHECK(ResolveServiceName(m, "db") == Indices{0});
  CHECK(ResolveServiceName(m, "web") == Indices{1, 2, 3});
  CHECK(ResolveServiceName(m, "web-2") == Indices{2});
  CHECK(ResolveServiceName(m, "one") == Indices{4});
  CHECK(ResolveServiceName(m, "web-4").empty());
  CHECK(ResolveServiceName(m, "one-1").empty());
  CHECK(ResolveServiceName(m, "").empty());
}
