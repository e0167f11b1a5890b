// BuildSpawnSpec: the one description of a service's process that `up`, `exec` and `run`
// share. Environment precedence: stackvisor's own < what login sets for the user < the
// service's environment (env_files and `environment`, already merged by config) < overrides.
#include <doctest/doctest.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "supervisor/spawn_spec_builder.h"

using namespace stackvisor;
using supervisor::BuildSpawnSpec;
using supervisor::SpawnOverrides;

namespace {

config::Service WebService() {
  config::Service s;
  s.name = "web";
  s.argv = {"gunicorn", "app.wsgi"};
  s.working_dir = "/srv/app";
  s.environment = {{"HOME", "/srv"}, {"APP", "from-service"}, {"DROP", std::nullopt}};
  return s;
}

config::User Nobody() {
  config::User u;
  u.spec = "nobody";
  u.uid = 65534;
  u.gid = 65534;
  u.groups = {65534};
  u.name = "nobody";
  u.home = "/nonexistent";
  return u;
}

std::optional<std::string> Get(const procs::SpawnSpec& spec, const std::string& key) {
  for (const auto& kv : spec.env)
    if (kv.rfind(key + "=", 0) == 0) return kv.substr(key.size() + 1);
  return std::nullopt;
}

const std::vector<std::string> kBase = {"PATH=/usr/bin:/bin", "HOME=/root", "USER=root",
                                        "LOGNAME=root", "DROP=base", "APP=base", "BROKEN"};

}  // namespace

TEST_CASE("BuildSpawnSpec: base environment < service environment; a null value removes") {
  auto spec = BuildSpawnSpec(WebService(), kBase, /*drop_privileges=*/false);
  CHECK(spec.argv == std::vector<std::string>{"gunicorn", "app.wsgi"});
  CHECK(spec.working_dir == "/srv/app");
  CHECK(!spec.credentials);
  CHECK(Get(spec, "PATH") == "/usr/bin:/bin");
  CHECK(Get(spec, "APP") == "from-service");
  CHECK(Get(spec, "HOME") == "/srv");
  CHECK(!Get(spec, "DROP"));
  CHECK(Get(spec, "USER") == "root");
  // An entry without '=' in our own environment is not passed on as a broken variable.
  CHECK(std::find(spec.env.begin(), spec.env.end(), "BROKEN") == spec.env.end());
  CHECK(std::is_sorted(spec.env.begin(), spec.env.end()));
}

TEST_CASE("BuildSpawnSpec: the user's login variables sit between the base and the service") {
  config::Service svc = WebService();
  svc.user = Nobody();
  auto spec = BuildSpawnSpec(svc, kBase, /*drop_privileges=*/true);
  REQUIRE(spec.credentials);
  CHECK(spec.credentials->uid == 65534);
  CHECK(spec.credentials->gid == 65534);
  CHECK(spec.credentials->groups == std::vector<gid_t>{65534});
  CHECK(spec.credentials->name == "nobody");
  CHECK(Get(spec, "USER") == "nobody");   // login beats the base
  CHECK(Get(spec, "LOGNAME") == "nobody");
  CHECK(Get(spec, "HOME") == "/srv");     // the service beats login

  // Not root: nobody can be switched to, so nothing of the user applies.
  auto unprivileged = BuildSpawnSpec(svc, kBase, /*drop_privileges=*/false);
  CHECK(!unprivileged.credentials);
  CHECK(Get(unprivileged, "USER") == "root");
}

TEST_CASE("BuildSpawnSpec: overrides come last: -e sets or removes, argv, -u and -w replace") {
  SpawnOverrides o;
  o.argv = std::vector<std::string>{"python3", "manage.py", "shell"};
  o.environment = {"APP=from-e", "NEW=1", "PATH", "HOME=/tmp/h", "NOT_THERE"};
  o.user = Nobody();
  o.working_dir = "/tmp";
  auto spec = BuildSpawnSpec(WebService(), kBase, /*drop_privileges=*/true, o);
  CHECK(spec.argv == std::vector<std::string>{"python3", "manage.py", "shell"});
  CHECK(spec.working_dir == "/tmp");
  REQUIRE(spec.credentials);
  CHECK(spec.credentials->uid == 65534);
  CHECK(Get(spec, "USER") == "nobody");  // -u's login variables, like the service's user:
  CHECK(Get(spec, "APP") == "from-e");
  CHECK(Get(spec, "NEW") == "1");
  CHECK(Get(spec, "HOME") == "/tmp/h");
  CHECK(!Get(spec, "PATH"));             // KEY without '=' removes it
  CHECK(!Get(spec, "NOT_THERE"));

  // -u replaces the service's own user.
  config::Service owned = WebService();
  owned.user = Nobody();
  owned.user->uid = owned.user->gid = 1000;
  owned.user->name = "app";
  SpawnOverrides as_root;
  as_root.user = config::User{"root", 0, 0, {0}, "root", "/root"};
  auto root = BuildSpawnSpec(owned, kBase, true, as_root);
  REQUIRE(root.credentials);
  CHECK(root.credentials->uid == 0);
  CHECK(Get(root, "USER") == "root");
}
