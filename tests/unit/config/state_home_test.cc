#include <doctest/doctest.h>
#include <unistd.h>

#include "config/state_home.h"
#include "load_test_util.h"

using stackvisor::config::DefaultStateHome;

TEST_CASE("state home: root gets a directory every service user can reach") {
  CHECK(DefaultStateHome({{"HOME", "/root"}, {"XDG_STATE_HOME", "/root/.st"}}, true) ==
        "/var/lib/stackvisor");
}

TEST_CASE("state home: an ordinary user gets the XDG state directory") {
  CHECK(DefaultStateHome({{"HOME", "/home/ann"}, {"XDG_STATE_HOME", "/x/state"}}, false) ==
        "/x/state/stackvisor");
  CHECK(DefaultStateHome({{"HOME", "/home/ann"}}, false) == "/home/ann/.local/state/stackvisor");
  // A relative XDG_STATE_HOME is invalid by the spec and ignored.
  CHECK(DefaultStateHome({{"HOME", "/home/ann"}, {"XDG_STATE_HOME", "rel"}}, false) ==
        "/home/ann/.local/state/stackvisor");
  CHECK(DefaultStateHome({}, false) == ".stackvisor-state");
}

TEST_CASE("state home: interpolation-only, and the environment wins") {
  using namespace stackvisor::config::testing;
  const std::string yaml =
      "services:\n  a:\n    command: [\"true\"]\n    environment:\n"
      "      D: ${STACKVISOR_STATE_HOME}/shop\n";
  auto options = OptionsIn("");
  options.environment["HOME"] = "/home/ann";
  options.environment["XDG_STATE_HOME"] = "/x";
  auto result = LoadText(yaml, options);
  REQUIRE(result.manifest);
  const auto& env = result.manifest->services[0].environment;
  std::string expected = geteuid() == 0 ? "/var/lib/stackvisor/shop" : "/x/stackvisor/shop";
  bool found = false;
  for (const auto& [key, value] : env) {
    CHECK(key != "STACKVISOR_STATE_HOME");  // not injected into the service
    if (key == "D") {
      found = true;
      CHECK(value == expected);
    }
  }
  CHECK(found);
  options.environment["STACKVISOR_STATE_HOME"] = "/mine";
  auto overridden = LoadText(yaml, options);
  REQUIRE(overridden.manifest);
  for (const auto& [key, value] : overridden.manifest->services[0].environment)
    if (key == "D") CHECK(value == "/mine/shop");
}
