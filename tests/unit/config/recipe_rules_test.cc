// The rules of the recipe step, on recipes written for the test (inline, in the user's and the
// project's directories) over fake binaries: tags and versions, command/entrypoint semantics,
// overrides, services without a recipe, selection and --ignore-unavailable.
#include <doctest/doctest.h>

#include "config/recipe_apply.h"
#include "config/service_hash.h"
#include "tests/unit/config/recipe_test_util.h"

using namespace stackvisor::config;
using namespace stackvisor::config::testing;

namespace {

// A host with versions 7 and 9 of "fakedb", and a recipe for it inline (where, as everywhere in
// a compose file, `$${x}` is how a literal `${x}` is written).
struct FakeHost {
  TempDir dir;
  FakeHost() {
    dir.Write("lib/7/bin/fakedb", "#!/bin/sh\n", true);
    dir.Write("lib/9/bin/fakedb", "#!/bin/sh\n", true);
  }
  std::string Recipes(const std::string& extra = "") const {
    return "x-stackvisor:\n  recipes:\n    fake:\n      images: [example/fakedb]\n"
           "      tags: '^(\\d+(?:\\.\\d+)?)?(?:-alpine)?$|^latest$'\n"
           "      tags_help: a version or latest\n"
           "      packages: [fakedb-server]\n"
           "      binary: ['" + dir.path() + "/lib/*/bin/fakedb']\n"
           "      binary_version: '/lib/([0-9.]+)/bin/'\n"
           "      entrypoint: [/entry.sh]\n"
           "      command: [fakedb, --serve]\n"
           "      programs: {fakedb: '$${binary}'}\n"
           "      environment: {PATH: '$${binary_dir}:/usr/bin', V: '$${version}'}\n"
           "      ports: [7000]\n" + extra;
  }
};

}  // namespace

TEST_CASE("recipe tags: the version a tag asks for picks the binary; others fall back") {
  FakeHost host;
  auto load = [&](const std::string& image) {
    return LoadText(host.Recipes() + "services:\n  db:\n    image: " + image + "\n");
  };
  CHECK(Env(Only(load("example/fakedb:7"), "db"), "V") == "7");
  CHECK(Env(Only(load("example/fakedb:7.4-alpine"), "db"), "V") == "7");
  CHECK(Env(Only(load("docker.io/example/fakedb:9"), "db"), "V") == "9");
  CHECK(Env(Only(load("example/fakedb"), "db"), "V") == "9");  // latest: the newest
  const auto other = load("example/fakedb:8");
  CHECK(Env(Only(other, "db"), "V") == "9");
  CHECK(Text(other) ==
        "inline.yaml:17:12: warning: services.db.image: image 'example/fakedb:8' asks for "
        "version 8, which this host lacks: using 9 (" + host.dir.path() + "/lib/9/bin/fakedb)\n");
  CHECK(Env(Only(load("example/fakedb:9@sha256:abc"), "db"), "PATH") ==
        host.dir.path() + "/lib/9/bin:/usr/bin");
  const auto bad = load("example/fakedb:nightly");
  CHECK_FALSE(bad.manifest);
  CHECK(Text(bad) ==
        "inline.yaml:17:12: error: services.db.image: image 'example/fakedb:nightly': unknown "
        "tag 'nightly' for recipe 'fake': expected a version or latest\n");
}

TEST_CASE("recipe argv: compose's command replaces the args, entrypoint the entrypoint") {
  FakeHost host;
  auto argv = [&](const std::string& keys) {
    return Only(LoadText(host.Recipes() + "services:\n  db:\n    image: example/fakedb\n" + keys),
                "db")
        .argv;
  };
  using V = std::vector<std::string>;
  CHECK(argv("") == V{"/entry.sh", "fakedb", "--serve"});
  CHECK(argv("    command: fakedb --other\n") == V{"/entry.sh", "fakedb", "--other"});
  CHECK(argv("    entrypoint: [fakedb, -x]\n") == V{host.dir.path() + "/lib/9/bin/fakedb", "-x"});
  CHECK(argv("    entrypoint: [/bin/run]\n    command: [a, b]\n") == V{"/bin/run", "a", "b"});
  CHECK(argv("    entrypoint: []\n    command: [fakedb]\n") ==
        V{host.dir.path() + "/lib/9/bin/fakedb"});
}

TEST_CASE("recipe overrides: the project's directory and inline beat the built-in") {
  TempDir project;
  project.Write(".stackvisor/recipes/mine.yaml",
                "recipes:\n  myredis:\n    images: [redis]\n    command: [/bin/true, project]\n");
  LoadOptions options = OptionsIn("");
  options.cwd = project.path();
  auto result = LoadFromString("services:\n  r:\n    image: redis\n", "compose.yaml", options);
  CHECK(Only(result, "r").argv == std::vector<std::string>{"/bin/true", "project"});
  result = LoadFromString(
      "x-stackvisor:\n  recipes:\n    inl:\n      images: [redis]\n      command: [/bin/true, "
      "inline]\nservices:\n  r:\n    image: redis\n",
      "compose.yaml", options);
  CHECK(Only(result, "r").argv == std::vector<std::string>{"/bin/true", "inline"});

  // The user's directory ($XDG_CONFIG_HOME/stackvisor/recipes), and a base recipe.
  TempDir home;
  home.Write("stackvisor/recipes/r.yaml",
             "recipes:\n  myredis2:\n    base: redis\n    images: [example/redis]\n"
             "    binary: [/bin/true]\n    programs: {redis-server: /bin/true}\n");
  LoadOptions user = OptionsIn("");
  user.environment["XDG_CONFIG_HOME"] = home.path();
  const Service s =
      Only(LoadText("services:\n  r:\n    image: example/redis:7\n", user), "r");
  CHECK(s.argv == std::vector<std::string>{"/bin/true"});
  CHECK(s.ports.at(0).port == 6379);  // the base's
  CHECK(s.working_dir == "/data");

  // STACKVISOR_RECIPES_PATH replaces the built-in directory: redis is then unknown.
  LoadOptions none = OptionsIn("");
  none.environment["STACKVISOR_RECIPES_PATH"] = project.path() + "/nothing";
  CHECK(Text(LoadText("services:\n  r:\n    image: redis\n", none)).find("no recipe for image") !=
        std::string::npos);
}

TEST_CASE("recipe: no recipe and no command is one clear error; a command runs natively") {
  const auto result = LoadText("services:\n  admin:\n    image: dpage/pgadmin4:8\n");
  CHECK_FALSE(result.manifest);
  CHECK(Text(result) ==
        "inline.yaml:3:12: error: services.admin.image: no recipe for image "
        "'dpage/pgadmin4:8' and no 'command' to run instead: give the service a 'command', add "
        "a recipe (docs/recipes.md), leave it out with a profile, name the services to start, "
        "or pass --ignore-unavailable\n");
  const Service s = Only(
      LoadText("services:\n  admin:\n    image: dpage/pgadmin4\n    command: /bin/true\n"),
      "admin");
  CHECK(s.argv == std::vector<std::string>{"/bin/true"});
  CHECK_FALSE(s.container.enabled);
}

TEST_CASE("recipe: a service not selected, or --ignore-unavailable, blocks nothing") {
  const std::string yaml =
      "services:\n  admin:\n    image: dpage/pgadmin4\n  web:\n    command: /bin/true\n"
      "  db:\n    image: example/none\n    command: /bin/true\n";
  LoadOptions options = OptionsIn("");
  options.services = {"web", "db"};
  auto result = LoadText(yaml, options);
  REQUIRE_MESSAGE(result.manifest, Text(result));
  CHECK(result.manifest->Find("admin") == nullptr);
  CHECK(Text(result).find("admin") == std::string::npos);

  options.services = {"admin"};
  CHECK_FALSE(LoadText(yaml, options).manifest);

  LoadOptions ignore = OptionsIn("");
  ignore.ignore_unavailable = true;
  result = LoadText(yaml, ignore);
  REQUIRE_MESSAGE(result.manifest, Text(result));
  CHECK(result.manifest->Find("admin") == nullptr);
  CHECK(result.manifest->Find("web") != nullptr);
  CHECK(Text(result).rfind(
            "inline.yaml:3:12: warning: services.admin.image: left out (--ignore-unavailable): no "
            "recipe for image 'dpage/pgadmin4' and no 'command'\n",
            0) == 0);
}

TEST_CASE("recipe: a missing binary or file names its apt-get line") {
  const auto result = LoadText(
      "x-stackvisor:\n  recipes:\n    z:\n      images: [zdb]\n      packages: [zdb-server]\n"
      "      binary: [/nonexistent/zdb]\n      command: [zdb]\n"
      "services:\n  z:\n    image: zdb\n");
  CHECK(Text(result) ==
        "inline.yaml:10:12: error: services.z.image: image 'zdb' needs /nonexistent/zdb, which "
        "is not installed: apt-get install zdb-server\n");
  const auto req = LoadText(
      "x-stackvisor:\n  recipes:\n    z:\n      images: [zdb]\n      binary: [/bin/true]\n"
      "      requires:\n        - path: /nonexistent/$${tag}.so\n          package: zdb-$${tag}\n"
      "      command: [zdb]\nservices:\n  z:\n    image: zdb:3\n");
  CHECK(Text(req) ==
        "inline.yaml:12:12: error: services.z.image: image 'zdb:3' needs /nonexistent/3.so, "
        "which is not installed: apt-get install zdb-3\n");
}

TEST_CASE("recipe pieces: image references, versions, ports from arguments") {
  auto ref = ParseImageRef("docker.io/library/Redis:7@sha256:00");
  CHECK(ref.name == "redis");
  CHECK(ref.tag == "7");
  ref = ParseImageRef("localhost:5000/team/app");
  CHECK(ref.name == "localhost:5000/team/app");
  CHECK(ref.tag == "latest");
  CHECK(CompareVersions("9.6", "15") < 0);
  CHECK(CompareVersions("15.2", "15") > 0);
  CHECK(CompareVersions("3.11", "3.9") > 0);
  using V = std::vector<std::string>;
  CHECK(PortFromArgs(V{"-p", "11311"}, V{"-p"}) == 11311);
  CHECK(PortFromArgs(V{"-p11312"}, V{"-p"}) == 11312);
  CHECK(PortFromArgs(V{"--port=6381", "--port", "6382"}, V{"--port"}) == 6382);
  CHECK_FALSE(PortFromArgs(V{"--port", "x"}, V{"--port"}));
  CHECK(SubstituteRecipeVars("${a}/${b}/${c}", {{"a", "1"}, {"b", "2"}}) == "1/2/${c}");
}

TEST_CASE("recipe: the service hash covers what an image expands to") {
  Service a;
  a.name = "x";
  a.argv = {"/bin/true"};
  Service b = a;
  b.container.enabled = true;
  CHECK(ServiceHash(a) != ServiceHash(b));
  Service c = b;
  Mount m;
  m.kind = Mount::Kind::kBind;
  m.source = "/recipes/nginx/nginx.conf";
  m.target = "/etc/nginx/nginx.conf";
  c.container.mounts.push_back(m);
  CHECK(ServiceHash(b) != ServiceHash(c));
  Service d = c;
  d.container.mounts[0].source = "/other/nginx.conf";
  CHECK(ServiceHash(c) != ServiceHash(d));
  Service e = c;
  e.container.passwd = {"nginx:x:33:33::/var/www:/usr/sbin/nologin"};
  CHECK(ServiceHash(c) != ServiceHash(e));
  Service f = c;
  Port port;
  port.port = 80;
  f.ports.push_back(port);
  CHECK(ServiceHash(c) != ServiceHash(f));
  Service g = f;
  g.ports[0].port = 8080;
  CHECK(ServiceHash(f) != ServiceHash(g));
}

TEST_CASE("recipe: a dependency left out by the image step is an error at the dependent, not a crash") {
  // Found by the manifest fuzzer on a truncated seed 001: the dependency had no profiles, and
  // the "enable its profile" message read the first of none.
  LoadOptions options = OptionsIn("");
  options.ignore_unavailable = true;
  const auto result = LoadText(
      "services:\n  admin:\n    image: dpage/pgadmin4\n  web:\n    command: run\n"
      "    depends_on: [admin]\n",
      options);
  INFO(Text(result));
  CHECK_FALSE(result.manifest);
  CHECK(Text(result).find("inline.yaml:6:18: error: services.web.depends_on.admin: service "
                          "'admin' cannot run here (see its image or build): leave 'web' out "
                          "too, or set required: false") != std::string::npos);
}
