#include <doctest/doctest.h>

#include "config/loader.h"
#include "tests/unit/config/load_test_util.h"

using namespace stackvisor::config;
using namespace stackvisor::config::testing;
using Words = std::vector<std::string>;

TEST_CASE("Load: two files merge by compose's rules") {
  LoadOptions options = OptionsIn("merge");
  options.files = {"compose.yaml", "override.yaml"};
  options.profiles = {"base"};
  auto result = Load(options);
  INFO(Text(result));
  REQUIRE(result.manifest);
  const Manifest& m = *result.manifest;
  CHECK(m.name == "merged");
  CHECK(m.project_directory == DataDir("merge"));
  CHECK(m.files == Words{DataDir("merge/compose.yaml"), DataDir("merge/override.yaml")});
  REQUIRE(m.services.size() == 4);
  CHECK(m.services[0].name == "db");
  CHECK(m.services[1].name == "web");
  CHECK(m.services[2].name == "tools");
  CHECK(m.services[3].name == "cache");  // new services come after, in file order
  CHECK(m.services[2].environment == decltype(Service::environment){{"C", "3"}});  // !override

  const Service& db = m.services[0];
  CHECK(db.argv == Words{"postgres", "-D", "/other"});  // command replaced whole
  CHECK(db.environment.at("PGDATA") == "/data");        // environment merged by key
  CHECK(db.environment.at("PGPORT") == "5433");
  CHECK(db.healthcheck.exec_argv == Words{"pg_isready", "-q"});  // test replaced whole
  CHECK(db.healthcheck.interval == Duration(5000));             // other keys merged
  CHECK(db.healthcheck.retries == 5);
  CHECK(db.healthcheck.start_period == Duration(25000));        // interval x retries
  CHECK(db.profiles == Words{"base", "extra"});                 // other lists append

  const Service& web = m.services[1];
  CHECK(web.environment.at("MODE") == "prod");  // list form merged over map form
  CHECK(web.environment.at("KEEP") == "kept");
  REQUIRE(web.depends_on.size() == 2);           // depends_on merged
  CHECK(web.depends_on[0].service == "db");
  CHECK(web.depends_on[1].service == "cache");
  CHECK(web.restart.mode == RestartMode::kNo);   // !reset back to the default
  CHECK(web.working_dir == DataDir("merge/srv"));
}

TEST_CASE("Load discovers compose.yaml and its override in cwd") {
  auto result = Load(OptionsIn("discover"));
  INFO(Text(result));
  REQUIRE(result.manifest);
  CHECK(result.manifest->files ==
        Words{DataDir("discover/compose.yaml"), DataDir("discover/compose.override.yml")});
  CHECK(result.manifest->Find("app")->argv == Words{"echo", "override"});
  CHECK(result.manifest->services.size() == 2);
  CHECK(result.manifest->name == "discover");
}

TEST_CASE("Load discovery: override of either extension, stackvisor.* first") {
  auto yml = Load(OptionsIn("discover_yml"));
  REQUIRE(yml.manifest);
  CHECK(yml.manifest->Find("app")->argv == Words{"echo", "override"});
  CHECK(yml.manifest->name == "discover_yml");
  auto pref = Load(OptionsIn("discover_pref"));
  REQUIRE(pref.manifest);
  CHECK(pref.manifest->files == Words{DataDir("discover_pref/stackvisor.yml")});
  CHECK(pref.manifest->Find("app")->argv == Words{"echo", "stackvisor"});
}

TEST_CASE("Load without any manifest says where it looked") {
  auto result = Load(OptionsIn("empty_dir"));
  CHECK_FALSE(result.manifest);
  CHECK(Text(result) == "stackvisor: error: no manifest found in " + DataDir("empty_dir") +
                            " (looked for stackvisor.yaml, stackvisor.yml, compose.yaml, "
                            "compose.yml, docker-compose.yaml, docker-compose.yml)\n");
}

TEST_CASE("Load: project name from name, COMPOSE_PROJECT_NAME, or the directory") {
  CHECK(LoadText("name: given\nservices: {a: {command: x}}").manifest->name == "given");
  LoadOptions options = OptionsIn("");
  options.environment["COMPOSE_PROJECT_NAME"] = "From_Env";
  CHECK(LoadText("services: {a: {command: x}}", options).manifest->name == "from_env");
  CHECK(LoadText("services: {a: {command: x}}").manifest->name == "config");
}

TEST_CASE("Load: -p beats COMPOSE_PROJECT_NAME, which beats name, as in compose") {
  LoadOptions options = OptionsIn("");
  options.environment["COMPOSE_PROJECT_NAME"] = "from_env";
  CHECK(LoadText("name: given\nservices: {a: {command: x}}", options).manifest->name ==
        "from_env");
  options.project_name = "flag-1";
  CHECK(LoadText("name: given\nservices: {a: {command: x}}", options).manifest->name == "flag-1");
  options.project_name = "Bad Name";
  auto result = LoadText("services: {a: {command: x}}", options);
  CHECK_FALSE(result.manifest);
  CHECK(Text(result) ==
        "stackvisor: error: invalid project name 'Bad Name' given with -p/--project-name: "
        "expected lowercase letters, digits, '-' and '_', starting with a letter or digit\n");
}

TEST_CASE("Load: x-stackvisor is merged over its service") {
  auto result = LoadText(R"(
services:
  a:
    command: first
    restart: always
    healthcheck:
      interval: 7s
    x-stackvisor:
      command: second
      healthcheck:
        tcp: "localhost:5432"
      restart_backoff: {initial: 1s, max: 1m}
)");
  INFO(Text(result));
  REQUIRE(result.manifest);
  const Service& a = result.manifest->services[0];
  CHECK(a.argv == Words{"second"});
  CHECK(a.restart.mode == RestartMode::kAlways);
  CHECK(a.healthcheck.kind == ProbeKind::kTcp);
  CHECK(a.healthcheck.tcp_host == "localhost");
  CHECK(a.healthcheck.tcp_port == 5432);
  CHECK(a.healthcheck.interval == Duration(7000));
  CHECK(a.backoff.initial == Duration(1000));
  CHECK(a.backoff.max == Duration(60000));
  CHECK(a.backoff.factor == 2.0);
}

TEST_CASE("Load: profiles select the active services") {
  const std::string yaml = R"(
services:
  always: {command: x}
  debug: {command: x, profiles: [dbg]}
  tools: {command: x, profiles: [tools, dbg]}
  web: {command: x, depends_on: {opt: {required: false}}}
  opt: {command: x, profiles: [optional]}
)";
  auto names = [](const LoadResult& r) {
    Words out;
    if (r.manifest)
      for (const auto& s : r.manifest->services) out.push_back(s.name);
    return out;
  };
  auto plain = LoadText(yaml);
  INFO(Text(plain));
  CHECK(names(plain) == Words{"always", "web"});
  CHECK(plain.manifest->Find("web")->depends_on.empty());  // optional and inactive: dropped

  LoadOptions by_flag = OptionsIn("");
  by_flag.profiles = {"dbg"};
  CHECK(names(LoadText(yaml, by_flag)) == Words{"always", "debug", "tools", "web"});

  LoadOptions by_env = OptionsIn("");
  by_env.environment["COMPOSE_PROFILES"] = "tools, optional";
  auto env = LoadText(yaml, by_env);
  CHECK(names(env) == Words{"always", "tools", "web", "opt"});
  CHECK(env.manifest->Find("web")->depends_on.size() == 1);

  LoadOptions by_service = OptionsIn("");
  by_service.services = {"debug"};
  CHECK(names(LoadText(yaml, by_service)) == Words{"always", "debug", "tools", "web"});

  LoadOptions all = OptionsIn("");
  all.profiles = {"*"};
  CHECK(names(LoadText(yaml, all)).size() == 5);

  LoadOptions unknown = OptionsIn("");
  unknown.services = {"debgu"};
  CHECK(Text(LoadText(yaml, unknown)) ==
        "stackvisor: error: no such service: 'debgu', did you mean 'debug'?\n");
}

TEST_CASE("Load: a required dependency on an inactive service names its profile") {
  auto result = LoadText("services:\n  web: {command: x, depends_on: [db]}\n"
                         "  db: {command: x, profiles: [database]}\n");
  CHECK_FALSE(result.manifest);
  CHECK(Text(result) ==
        "inline.yaml:2:34: error: services.web.depends_on.db: service 'db' is not active: "
        "enable its profile 'database' (--profile database) or set required: false\n");
}

TEST_CASE("Load: environment is env_files in order, then environment; bare keys") {
  LoadOptions options = OptionsIn("full");
  options.environment["FROM_ENV"] = "shell";
  options.environment["DB_PASSWORD"] = "hunter2";
  auto result = Load(options);
  INFO(Text(result));
  REQUIRE(result.manifest);
  const Service& db = *result.manifest->Find("db");
  CHECK(db.environment.at("PGDATA") == "/var/lib/postgresql/data");
  CHECK(db.environment.at("POSTGRES_USER") == "app");
  CHECK(db.environment.at("GREETING") == "hello\tworld");
  CHECK(db.environment.at("PASSWORD") == "hunter2");
  CHECK(db.environment.at("LITERAL") == "cost $5");
  const Service& web = *result.manifest->Find("web");
  CHECK(web.environment.at("FROM_ENV") == "shell");
  CHECK(web.environment.at("NOT_SET_ANYWHERE") == std::nullopt);
  CHECK(web.environment.at("DEBUG") == "0");
}

TEST_CASE("Load: every key of a full manifest") {
  auto result = Load(OptionsIn("full"));
  INFO(Text(result));
  REQUIRE(result.manifest);
  const Manifest& m = *result.manifest;
  CHECK(m.name == "full");
  REQUIRE(m.services.size() == 4);  // worker and http are in profiles

  const Service& db = *m.Find("db");
  CHECK(db.argv == Words{"postgres", "-c", "shared_buffers=128MB"});
  CHECK(db.restart.mode == RestartMode::kAlways);  // from the YAML merge key
  CHECK(db.stop_grace_period == Duration(20000));
  CHECK(db.stop_signal == 2);
  CHECK(db.healthcheck.kind == ProbeKind::kNotify);
  CHECK(db.healthcheck.start_period == Duration(60000));
  CHECK(db.healthcheck.start_interval == Duration(100));
  REQUIRE(db.user);
  CHECK(db.user->uid == 0);
  CHECK(db.user->name == "root");
  CHECK(db.environment.at("PASSWORD") == "secret");

  const Service& cache = *m.Find("cache");
  CHECK(cache.entrypoint == Words{"redis-server"});
  CHECK(cache.command == Words{"--port", "6380"});
  CHECK(cache.argv == Words{"redis-server", "--port", "6380"});
  CHECK(cache.restart.mode == RestartMode::kNo);
  CHECK(cache.healthcheck.kind == ProbeKind::kTcp);
  CHECK(cache.healthcheck.start_period == Duration(6000));

  const Service& web = *m.Find("web");
  CHECK(web.working_dir == DataDir("full/app"));
  CHECK(web.healthcheck.exec_argv ==
        Words{"/bin/sh", "-c", "curl -fsS http://127.0.0.1:8000/health"});
  CHECK(web.healthcheck.interval == Duration(30000));
  CHECK(web.healthcheck.timeout == Duration(30000));
  CHECK(web.healthcheck.start_period == Duration(150000));
  CHECK(web.restart.mode == RestartMode::kOnFailure);
  CHECK(web.restart.max_retries == 4);
  CHECK(web.backoff.initial == Duration(50));
  CHECK(web.backoff.max == Duration(5000));
  CHECK(web.backoff.factor == 1.5);
  CHECK(web.backoff.reset_after == Duration(30000));
  REQUIRE(web.depends_on.size() == 2);
  CHECK(web.depends_on[0].condition == DependCondition::kHealthy);
  CHECK(web.depends_on[1].restart);
  CHECK(web.depends_on[1].required);
  REQUIRE(web.watch.size() == 2);
  CHECK(web.watch[0].path == DataDir("full/app"));
  CHECK(web.watch[0].action == WatchAction::kSyncRestart);
  CHECK(web.watch[0].target == DataDir("full/build/app"));
  CHECK(web.watch[0].include == Words{"**/*.py", "*.ini"});
  CHECK(web.watch[1].path == DataDir("full/requirements.txt"));

  const Service& migrate = *m.Find("migrate");
  CHECK(migrate.restart.mode == RestartMode::kNo);  // bare `no`
  CHECK(migrate.healthcheck == Healthcheck{});
  CHECK(migrate.stop_signal == 15);
  CHECK(migrate.working_dir == DataDir("full"));

  // The only diagnostic: image is ignored (DB_PASSWORD has a default, so no unset warning).
  CHECK(Text(result) ==
        "compose.yaml:31:5: warning: services.cache.image: ignored: stackvisor runs native "
        "processes\n");
}

TEST_CASE("EmitYaml output loads back to an equal manifest") {
  for (const auto& profiles : {Words{}, Words{"workers"}}) {
    LoadOptions options = OptionsIn("full");
    options.profiles = profiles;
    options.environment["FROM_ENV"] = "a $dollar and \"quotes\"\n";
    auto first = Load(options);
    INFO(Text(first));
    REQUIRE(first.manifest);
    const std::string yaml = EmitYaml(*first.manifest);
    INFO(yaml);
    // Same directory, so relative paths and the project name resolve the same way.
    auto second = LoadFromString(yaml, "compose.yaml", options);
    INFO(Text(second));
    REQUIRE(second.manifest);
    Manifest a = *first.manifest, b = *second.manifest;
    for (auto* m : {&a, &b}) {
      m->files.clear();
      for (auto& s : m->services) s.pos = {};
    }
    CHECK(a == b);
    CHECK(EmitYaml(b) == yaml);
  }
}

TEST_CASE("EmitYaml prints compose shapes") {
  auto result = LoadText(R"(
services:
  web:
    command: run "a b"
    stop_signal: QUIT
    stop_grace_period: 1m30s
    healthcheck: {test: [CMD-SHELL, "exit 0"], interval: 100ms}
)");
  REQUIRE(result.manifest);
  const std::string yaml = EmitYaml(*result.manifest);
  CHECK(yaml ==
        "name: \"config\"\n"
        "services:\n"
        "  web:\n"
        "    command:\n"
        "      - \"run\"\n"
        "      - \"a b\"\n"
        "    working_dir: \"" + DataDir() + "\"\n"
        "    healthcheck:\n"
        "      test:\n"
        "        - \"CMD\"\n"
        "        - \"/bin/sh\"\n"
        "        - \"-c\"\n"
        "        - \"exit 0\"\n"
        "      interval: \"100ms\"\n"
        "      timeout: \"30s\"\n"
        "      retries: 3\n"
        "      start_period: \"300ms\"\n"
        "      start_interval: \"100ms\"\n"
        "    restart: \"no\"\n"
        "    stop_signal: \"SIGQUIT\"\n"
        "    stop_grace_period: \"1m30s\"\n");
}

TEST_CASE("Load: healthcheck and restart variants") {
  auto result = LoadText(R"(
services:
  none: {command: x, healthcheck: {test: [NONE], interval: 1s}}
  disabled: {command: x, healthcheck: {test: "true", disable: true}}
  timed:
    command: x
    healthcheck: {test: [CMD, "true"], interval: 10s, retries: 2, start_interval: 1s, timeout: 3s}
  v6: {command: x, restart: false, healthcheck: {tcp: "[::1]:80"}}
  failing: {entrypoint: [run], restart: on-failure}
  forever: {command: x, restart: unless-stopped, user: "0:0"}
)");
  INFO(Text(result));
  REQUIRE(result.manifest);
  const Manifest& m = *result.manifest;
  CHECK(m.Find("none")->healthcheck == Healthcheck{});
  CHECK(m.Find("disabled")->healthcheck == Healthcheck{});
  const Healthcheck& timed = m.Find("timed")->healthcheck;
  CHECK(timed.kind == ProbeKind::kExec);
  CHECK(timed.exec_argv == Words{"true"});
  CHECK(timed.start_period == Duration(20000));
  CHECK(timed.start_interval == Duration(1000));
  CHECK(timed.timeout == Duration(3000));
  CHECK(m.Find("v6")->restart.mode == RestartMode::kNo);
  CHECK(m.Find("v6")->healthcheck.tcp_host == "::1");
  CHECK(m.Find("v6")->healthcheck.tcp_port == 80);
  CHECK(m.Find("failing")->restart == RestartPolicy{RestartMode::kOnFailure, 0});
  CHECK(m.Find("failing")->argv == Words{"run"});
  CHECK(m.Find("forever")->restart.mode == RestartMode::kUnlessStopped);
  CHECK(m.Find("forever")->user->gid == 0);
  CHECK(result.diagnostics.empty());
}

TEST_CASE("Load: an unset variable is a warning and the manifest still loads") {
  auto result = LoadText("services:\n  a:\n    command: echo ${NOPE}x\n");
  REQUIRE(result.manifest);
  CHECK(result.manifest->services[0].argv == Words{"echo", "x"});
  CHECK(Text(result) == "inline.yaml:3:14: warning: services.a.command: variable 'NOPE' is not "
                        "set, using an empty string\n");
}

TEST_CASE("Load: .env feeds interpolation only, the environment wins over it") {
  auto result = LoadText(R"(
services:
  a:
    command: echo ${FROM_DOTENV} ${SHARED}
)", [] {
    LoadOptions o = OptionsIn("");
    o.env_files = {"dotenv/test.env"};
    o.environment["SHARED"] = "environment";
    return o;
  }());
  INFO(Text(result));
  REQUIRE(result.manifest);
  CHECK(result.manifest->services[0].argv == Words{"echo", "dotenv", "environment"});
  CHECK(result.manifest->services[0].environment.empty());
}

TEST_CASE("Load reads the project's .env for interpolation and the project name") {
  auto result = Load(OptionsIn("dotenv_project"));
  INFO(Text(result));
  REQUIRE(result.manifest);
  CHECK(result.manifest->services[0].argv == Words{"echo", "hello", "from", ".env"});  // split after
  CHECK(result.manifest->services[0].environment.empty());  // not injected into services
  CHECK(result.manifest->name == "fromdotenv");
}
