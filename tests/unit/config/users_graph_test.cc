#include <doctest/doctest.h>

#include <unistd.h>

#include <algorithm>

#include "config/loader.h"
#include "config/users.h"
#include "tests/unit/config/load_test_util.h"

using namespace stackvisor::config;
using namespace stackvisor::config::testing;
using Words = std::vector<std::string>;

TEST_CASE("LookupUser resolves root by name, by uid, and with a group") {
  auto by_name = LookupUser("root");
  REQUIRE(by_name.ok());
  CHECK(by_name.value().uid == 0);
  CHECK(by_name.value().gid == 0);
  CHECK(by_name.value().name == "root");
  CHECK(by_name.value().home == "/root");
  CHECK(by_name.value().spec == "root");
  CHECK(std::find(by_name.value().groups.begin(), by_name.value().groups.end(), 0u) !=
        by_name.value().groups.end());

  auto by_uid = LookupUser("0");
  REQUIRE(by_uid.ok());
  CHECK(by_uid.value().name == "root");

  auto with_group = LookupUser("root:nogroup");
  REQUIRE(with_group.ok());
  CHECK(with_group.value().gid == 65534);
  auto with_gid = LookupUser("0:123");
  REQUIRE(with_gid.ok());
  CHECK(with_gid.value().gid == 123);
}

TEST_CASE("LookupUser resolves nobody, and a bare uid without a passwd entry") {
  auto nobody = LookupUser("nobody");
  REQUIRE(nobody.ok());
  CHECK(nobody.value().uid == 65534);
  CHECK(nobody.value().gid == 65534);
  CHECK_FALSE(nobody.value().groups.empty());

  auto stranger = LookupUser("43210");
  REQUIRE(stranger.ok());
  CHECK(stranger.value().uid == 43210);
  CHECK(stranger.value().gid == 0);
  CHECK(stranger.value().name.empty());
  CHECK(stranger.value().groups == std::vector<gid_t>{0});
}

TEST_CASE("LookupUser names the unknown user or group") {
  CHECK(LookupUser("no-such-user").error().message == "unknown user 'no-such-user'");
  CHECK(LookupUser("root:no-such-group").error().message == "unknown group 'no-such-group'");
  CHECK(LookupUser(":x").error().message == "expected name, uid, name:group or uid:gid, got ':x'");
  CHECK_FALSE(LookupUser("root:").ok());
}

TEST_CASE("CheckCanSwitch: root may become anyone, others only themselves") {
  User nobody = LookupUser("nobody").value();
  CHECK_FALSE(CheckCanSwitch(nobody, 0).has_value());
  CHECK_FALSE(CheckCanSwitch(nobody, 65534).has_value());
  auto why = CheckCanSwitch(LookupUser("root").value(), 1000);
  REQUIRE(why);
  CHECK(*why == "cannot run as user 'root' (uid 0): stackvisor is not running as root (euid 1000)");
}

namespace {

Manifest Graph(const std::string& yaml) {
  auto result = LoadText(yaml);
  INFO(Text(result));
  REQUIRE(result.manifest);
  return *result.manifest;
}

}  // namespace

TEST_CASE("StartOrder puts dependencies first and keeps file order for ties") {
  const Manifest m = Graph(R"(
services:
  web: {command: x, depends_on: [db, cache]}
  worker: {command: x, depends_on: [cache]}
  db: {command: x}
  proxy: {command: x, depends_on: [web]}
  cache: {command: x}
  lone: {command: x}
)");
  CHECK(StartOrder(m) == Words{"db", "cache", "web", "worker", "proxy", "lone"});
  CHECK(WithDependencies(m, {"proxy"}) == Words{"db", "cache", "web", "proxy"});
  CHECK(WithDependencies(m, {"worker", "lone"}) == Words{"cache", "worker", "lone"});
  CHECK(WithDependencies(m, {}).empty());
  CHECK(WithDependencies(m, {"nope"}).empty());
}

TEST_CASE("StartOrder of independent services is file order") {
  const Manifest m = Graph("services: {c: {command: x}, a: {command: x}, b: {command: x}}");
  CHECK(StartOrder(m) == Words{"c", "a", "b"});
}

TEST_CASE("Load names every dependency cycle") {
  auto result = LoadText(R"(services:
  a: {command: x, depends_on: [b]}
  b: {command: x, depends_on: [c]}
  c: {command: x, depends_on: [a, b]}
  d: {command: x, depends_on: [a]}
)");
  CHECK_FALSE(result.manifest);
  CHECK(Text(result) ==
        "inline.yaml:2:19: error: services.a.depends_on: dependency cycle: a -> b -> c -> a\n"
        "inline.yaml:3:19: error: services.b.depends_on: dependency cycle: b -> c -> b\n");
}
