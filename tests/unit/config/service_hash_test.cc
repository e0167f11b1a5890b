// The canonical service fingerprint behind `config --hash` and the reload diff.
#include <doctest/doctest.h>

#include "config/service_hash.h"

#include "tests/unit/config/load_test_util.h"

using namespace stackvisor;
using config::testing::LoadText;

namespace {

config::Manifest Load(const std::string& yaml) {
  auto result = LoadText(yaml);
  REQUIRE(result.manifest);
  return *result.manifest;
}

const char* kTwo = R"(services:
  db:
    command: ["sleep", "100"]
    environment: {A: "1"}
  web:
    command: ["sleep", "200"]
    depends_on: [db]
)";

}  // namespace

TEST_CASE("service hash: moving a block and adding comments changes nothing") {
  auto a = Load(kTwo);
  auto b = Load(R"(# a comment
services:

  web:   # moved up
    depends_on: [db]
    command: ["sleep", "200"]
  db:
    environment: {A: "1"}
    command: ["sleep", "100"]
)");
  for (const char* name : {"db", "web"}) {
    CHECK(config::ServiceHash(*a.Find(name)) == config::ServiceHash(*b.Find(name)));
    CHECK(config::SameDefinition(*a.Find(name), *b.Find(name)));
    CHECK_FALSE(a.Find(name)->pos == b.Find(name)->pos);  // the positions did move
  }
}

TEST_CASE("service hash: a changed command or environment value changes it") {
  auto a = Load(kTwo);
  auto b = Load(R"(services:
  db:
    command: ["sleep", "100"]
    environment: {A: "2"}
  web:
    command: ["sleep", "201"]
    depends_on: [db]
)");
  CHECK(config::ServiceHash(*a.Find("db")) != config::ServiceHash(*b.Find("db")));
  CHECK(config::ServiceHash(*a.Find("web")) != config::ServiceHash(*b.Find("web")));
  CHECK_FALSE(config::SameDefinition(*a.Find("db"), *b.Find("db")));
  CHECK(config::ServiceHash(*a.Find("db")).size() == 16);
}

TEST_CASE("service hash: the value after interpolation counts, not the text written") {
  auto options = config::testing::OptionsIn("");
  options.environment["TAG"] = "100";
  auto a = config::LoadFromString("services:\n  db:\n    command: [\"sleep\", \"${TAG}\"]\n",
                                  "inline.yaml", options);
  auto b = config::LoadFromString("services:\n  db:\n    command: [\"sleep\", \"100\"]\n",
                                  "inline.yaml", options);
  REQUIRE(a.manifest);
  REQUIRE(b.manifest);
  CHECK(config::SameDefinition(a.manifest->services[0], b.manifest->services[0]));
  CHECK(config::ServiceHash(a.manifest->services[0]) ==
        config::ServiceHash(b.manifest->services[0]));
}

TEST_CASE("service hash: field boundaries cannot be imitated") {
  config::Service a;
  a.name = "x";
  a.argv = {"a b"};
  config::Service b = a;
  b.argv = {"a", "b"};
  CHECK(config::ServiceHash(a) != config::ServiceHash(b));
}

TEST_CASE("SameDefinition: the stack's names in /etc/hosts and where a mount is written are not the service") {
  const auto a = LoadText("services:\n  web:\n    command: run\n    volumes: [\"./src:/src\"]\n"
                          "  db:\n    command: run\n");
  const auto b = LoadText("services:\n  db:\n    command: run\n  cache:\n    command: run\n"
                          "  web:\n    command: run\n    volumes: [\"./src:/src\"]\n");
  REQUIRE(a.manifest);
  REQUIRE(b.manifest);
  const config::Service& before = *a.manifest->Find("web");
  const config::Service& after = *b.manifest->Find("web");
  REQUIRE(before.container.hosts != after.container.hosts);  // cache was added
  CHECK(config::SameDefinition(before, after));
  config::Service moved = after;
  moved.container.mounts[0].target = "/code";
  CHECK_FALSE(config::SameDefinition(before, moved));
}
