// JoinPath (config/path_join.h): the one join of a directory and a path, and the paths a
// build: service's messages show with it (no "dir//Dockerfile", no "dir/./docker").
#include <doctest/doctest.h>

#include "config/path_join.h"
#include "tests/unit/config/recipe_test_util.h"

using namespace stackvisor::config;
using namespace stackvisor::config::testing;

TEST_CASE("JoinPath: normal form, no trailing slash, absolute paths kept") {
  CHECK(JoinPath("/p", ".") == "/p");
  CHECK(JoinPath("/p/", "Dockerfile") == "/p/Dockerfile");
  CHECK(JoinPath("/p", "./docker/django/Dockerfile") == "/p/docker/django/Dockerfile");
  CHECK(JoinPath("/p", "a/../b/") == "/p/b");
  CHECK(JoinPath("/p", "/etc/x") == "/etc/x");
  CHECK(JoinPath("/", ".") == "/");
  CHECK(JoinPath("/", "x") == "/x");
}

TEST_CASE("build: `build: .` and dockerfile: ./sub/Dockerfile name the Dockerfile without // or /./") {
  TempDir p;
  const std::string fake =
      "x-stackvisor:\n  recipes:\n    base:\n      images: [example/base]\n"
      "      binary: [/bin/true]\n      command: [serve]\n";
  p.Write("Dockerfile", "FROM example/base\nRUN make\n");
  p.Write("docker/Dockerfile", "FROM example/base\nRUN make\n");
  LoadOptions options = OptionsIn("");
  options.cwd = p.path();
  auto result = LoadFromString(fake + "services:\n  a:\n    build: .\n  b:\n    build:\n"
                                      "      context: .\n      dockerfile: ./docker/Dockerfile\n",
                               "compose.yaml", options);
  REQUIRE_MESSAGE(result.manifest.has_value(), Text(result));
  const std::string text = Text(result);
  CHECK(text.find(p.path() + "/Dockerfile: warning: services.a.build: 1 Dockerfile step(s)") !=
        std::string::npos);
  CHECK(text.find(p.path() + "/docker/Dockerfile: warning: services.b.build: 1 Dockerfile step(s)") !=
        std::string::npos);
  CHECK_MESSAGE(text.find("//") == std::string::npos, text);
  CHECK_MESSAGE(text.find("/./") == std::string::npos, text);
}
