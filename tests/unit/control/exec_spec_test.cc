// The /v1/services/{name}/spec bodies: requests parsed strictly, -u resolved and refused for a
// caller that cannot switch, -w relative to the service, the spec carried over whole.
#include <doctest/doctest.h>
#include <unistd.h>

#include "control/exec_spec.h"

using namespace stackvisor;

TEST_CASE("spec requests round-trip and bad ones name the field") {
  control::SpecRequest request;
  request.argv = std::vector<std::string>{"sh", "-c", "exit 7"};
  request.environment = {"A=1", "B"};
  request.user = "nobody";
  request.working_dir = "sub";
  auto back = control::SpecRequestFromJson(control::SpecRequestToJson(request));
  REQUIRE(back.ok());
  CHECK(back.value().argv == request.argv);
  CHECK(back.value().environment == request.environment);
  CHECK(back.value().user == "nobody");
  CHECK(back.value().working_dir == "sub");
  CHECK(control::SpecRequestFromJson("").ok());
  CHECK(control::SpecRequestFromJson("{}").ok());

  auto error = [](const char* body) { return control::SpecRequestFromJson(body).error().message; };
  CHECK(error("[") == "spec request: the body is not JSON");
  CHECK(error("[]") == "spec request: the body must be a JSON object");
  CHECK(error(R"({"argv": []})") == "spec request: argv must be a non-empty list of strings");
  CHECK(error(R"({"argv": ["a", 1]})") == "spec request: argv must be a non-empty list of strings");
  CHECK(error(R"({"environment": "A=1"})") ==
        "spec request: environment must be a list of strings");
  CHECK(error(R"({"user": 0})") == "spec request: user must be a non-empty string");
  CHECK(error(R"({"command": ["x"]})") == "spec request: unknown field \"command\"");
}

TEST_CASE("ResolveOverrides: users looked up and checked against the caller; -w relative") {
  config::Service service;
  service.name = "web";
  service.working_dir = "/srv/app";
  control::SpecRequest request;
  request.working_dir = "static";
  auto o = control::ResolveOverrides(request, service, geteuid());
  REQUIRE(o.ok());
  CHECK(o.value().working_dir == "/srv/app/static");
  request.working_dir = "/tmp";
  CHECK(control::ResolveOverrides(request, service, geteuid()).value().working_dir == "/tmp");

  request.user = "nobody";
  auto as_root = control::ResolveOverrides(request, service, 0);
  REQUIRE(as_root.ok());
  CHECK(as_root.value().user->uid == 65534);
  // Someone not root may not become another user, and is told why.
  auto refused = control::ResolveOverrides(request, service, 12345);
  REQUIRE(!refused.ok());
  CHECK(refused.error().message.find("cannot run as user 'nobody'") == 0);
  request.user = "no-such-user-xyz";
  CHECK(control::ResolveOverrides(request, service, 0).error().message ==
        "unknown user 'no-such-user-xyz'");
}

TEST_CASE("the spawn spec goes over the wire whole, credentials included") {
  procs::SpawnSpec spec;
  spec.argv = {"id", "-u"};
  spec.env = {"A=1", "PATH=/bin"};
  spec.working_dir = "/tmp";
  auto plain = control::SpecFromJson(control::SpecToJson(spec));
  REQUIRE(plain.ok());
  CHECK(plain.value().argv == spec.argv);
  CHECK(plain.value().env == spec.env);
  CHECK(plain.value().working_dir == "/tmp");
  CHECK(!plain.value().credentials);

  spec.credentials = procs::Credentials{65534, 65534, {65534, 100}, "nobody"};
  auto with_user = control::SpecFromJson(control::SpecToJson(spec));
  REQUIRE(with_user.ok());
  REQUIRE(with_user.value().credentials);
  CHECK(with_user.value().credentials->uid == 65534);
  CHECK(with_user.value().credentials->groups == std::vector<gid_t>{65534, 100});
  CHECK(with_user.value().credentials->name == "nobody");

  CHECK(!control::SpecFromJson("{}").ok());
  CHECK(!control::SpecFromJson(R"({"argv": [], "env": [], "working_dir": ""})").ok());
  CHECK(!control::SpecFromJson(R"({"argv": ["x"], "env": [], "working_dir": "",
                                   "user": {"uid": -1, "gid": 0, "groups": []}})").ok());
}
