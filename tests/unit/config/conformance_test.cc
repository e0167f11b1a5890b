// Conformance cases taken from compose's reference implementation (compose-go's loader and
// dotenv tests) where stackvisor disagreed: each was a bug found by running real files.
#include <doctest/doctest.h>

#include "config/env_file.h"
#include "config/interpolate.h"
#include "config/loader.h"
#include "tests/unit/config/load_test_util.h"

using namespace stackvisor::config;
using namespace stackvisor::config::testing;
using Words = std::vector<std::string>;

namespace {

std::vector<EnvEntry> ParseOk(const std::string& text, const Variables& vars = {}) {
  std::vector<EnvFileIssue> issues;
  auto entries = ParseEnvFile(text, vars, issues);
  for (const auto& i : issues) FAIL_CHECK("line " << i.line << ": " << i.message);
  return entries;
}

}  // namespace

TEST_CASE("ParseEnvFile strips a UTF-8 byte order mark at the start") {
  auto entries = ParseOk("\xEF\xBB\xBFKEY=value\n");
  REQUIRE(entries.size() == 1);
  CHECK(entries[0].key == "KEY");
  CHECK(entries[0].value == "value");
}

TEST_CASE("ParseEnvFile accepts YAML-style KEY: value lines") {
  auto entries = ParseOk("KEY: value\nQUOTED: \"a b\"\nURL=http://x:80\n");
  REQUIRE(entries.size() == 3);
  CHECK(entries[0].key == "KEY");
  CHECK(entries[0].value == "value");
  CHECK(entries[1].key == "QUOTED");
  CHECK(entries[1].value == "a b");
  CHECK(entries[2].key == "URL");
  CHECK(entries[2].value == "http://x:80");  // the first separator ends the key
}

TEST_CASE("ParseEnvFile resolves a bare KEY from the variables, else leaves it out") {
  auto entries = ParseOk("FROM_ENV\nNOWHERE\nEARLIER=1\nEARLIER\n", {{"FROM_ENV", "env"}});
  REQUIRE(entries.size() == 3);
  CHECK(entries[0].key == "FROM_ENV");
  CHECK(entries[0].value == "env");
  CHECK(entries[1].key == "EARLIER");
  CHECK(entries[2].key == "EARLIER");  // a bare key sees the file's own earlier definition
  CHECK(entries[2].value == "1");
}

TEST_CASE("Interpolate: braces inside an operator's argument belong to it") {
  std::vector<InterpolationIssue> issues;
  CHECK(Interpolate(R"(${X:-{"a":1}})", {{"X", "set"}}, issues) == "set");
  CHECK(Interpolate(R"(${X:-{"a":1}})", {}, issues) == R"({"a":1})");
  CHECK(Interpolate(R"(${X:+{"a":{"b":2}}} tail)", {{"X", "1"}}, issues) ==
        R"({"a":{"b":2}} tail)");
  CHECK(Interpolate(R"(${X-{}})", {{"X", ""}}, issues) == "");
  CHECK(issues.empty());
}

TEST_CASE("Load: env_file strings append across files, profiles are de-duplicated") {
  LoadOptions options = OptionsIn("conformance");
  options.files = {"compose.yaml", "override.yaml"};
  options.profiles = {"debug"};
  options.environment["FROM_SHELL"] = "shell";
  auto result = Load(options);
  INFO(Text(result));
  REQUIRE(result.manifest);
  const Service& web = *result.manifest->Find("web");
  CHECK(web.environment.at("FROM_A") == "a");  // a.env is still read (and its BOM stripped)
  CHECK(web.environment.at("FROM_B") == "b");
  CHECK(web.environment.at("SHARED") == "b");  // later files win
  CHECK(web.environment.at("COLON") == "yes");
  CHECK(web.environment.at("FROM_SHELL") == "shell");
  CHECK(web.environment.at("FROM_DOTENV") == "dot");  // .env (with a BOM) feeds the lookup
  CHECK_FALSE(web.environment.contains("NOWHERE"));
  CHECK(web.profiles == Words{"debug", "tools", "extra"});
  CHECK(Text(result).empty());
}

TEST_CASE("Load: an ignored key is one warning for all the services that carry it") {
  auto result = LoadText(R"(services:
  a:
    command: run
    image: x
    ipc: host
  b:
    command: run
    image: x
  c:
    command: run
    image: x
    mac_address: c
  d:
    command: run
    image: x
  e:
    command: run
    image: x
)");
  INFO(Text(result));
  REQUIRE(result.manifest);
  CHECK(Text(result) ==
        "inline.yaml:4:5: warning: services.*.image: ignored in 5 services (a, b, c and 2 more): "
        "stackvisor runs native processes\n"
        "inline.yaml:5:5: warning: services.a.ipc: ignored: stackvisor runs native processes\n"
        "inline.yaml:12:5: warning: services.c.mac_address: ignored: stackvisor runs native "
        "processes\n");
}

TEST_CASE("Load: newer compose keys that do not concern processes are ignored with a note") {
  auto result = LoadText(R"(services:
  app:
    command: run
    models: [llm]
    use_api_socket: true
    pull_refresh_after: 1h
  ai:
    command: serve
    provider: {type: model, options: {model: x}}
models:
  llm: {model: ai/smollm2}
)");
  INFO(Text(result));
  REQUIRE(result.manifest);
  CHECK(Text(result) ==
        "inline.yaml:4:5: warning: services.app.models: ignored: a container engine feature, "
        "not a process setting\n"
        "inline.yaml:5:5: warning: services.app.use_api_socket: ignored: a container engine "
        "feature, not a process setting\n"
        "inline.yaml:6:5: warning: services.app.pull_refresh_after: ignored: stackvisor runs "
        "native processes\n"
        "inline.yaml:9:5: warning: services.ai.provider: ignored: provider services are run by a "
        "compose plugin; give the service a 'command' to run it here\n"
        "inline.yaml:10:1: warning: models: ignored: stackvisor runs native processes\n");
}

TEST_CASE("Load: extends merges the base under the service, from this file or another") {
  auto result = Load(OptionsIn("extends"));
  INFO(Text(result));
  REQUIRE(result.manifest);
  CHECK(Text(result).empty());
  const Manifest& m = *result.manifest;
  const Service& web = *m.Find("web");
  CHECK(web.argv == Words{"run", "base"});          // inherited
  CHECK(web.environment.at("A") == "1");             // mappings merge by key
  CHECK(web.environment.at("B") == "2");             // the extending service wins
  CHECK(web.environment.at("FROM_BASE") == "yes");   // env_file inherited
  const Service& chain = *m.Find("chain");           // extends of an extends
  CHECK(chain.environment.at("B") == "2");
  CHECK(chain.argv == Words{"run", "base"});
  const Service& worker = *m.Find("worker");
  CHECK(worker.argv == Words{"celery"});             // scalars: the service wins
  CHECK(worker.stop_signal == 2);                    // from `shared`, two files away
  CHECK(worker.environment.at("W") == "1");
  // Relative paths of the other file resolve against its own directory.
  CHECK(worker.working_dir == DataDir("extends/common/app"));
  CHECK(worker.environment.at("FROM_COMMON") == "yes");
  REQUIRE(worker.depends_on.size() == 1);            // inherited, as compose-go does
  CHECK(worker.depends_on[0].service == "base");
}

TEST_CASE("Load: include adds another model's services, resolved in its own directory") {
  LoadOptions options = OptionsIn("include");
  auto result = Load(options);
  INFO(Text(result));
  REQUIRE(result.manifest);
  CHECK(Text(result).empty());
  const Manifest& m = *result.manifest;
  REQUIRE(m.services.size() == 3);
  CHECK(m.services[0].name == "db");  // included services first, in include order
  CHECK(m.services[1].name == "cache");
  CHECK(m.services[2].name == "web");
  const Service& db = m.services[0];
  CHECK(db.argv == Words{"postgres", "-p", "5433"});  // the included project's .env
  CHECK(db.environment.at("PGDATA") == "here");        // its env_file, from its directory
  CHECK(db.working_dir == DataDir("include/db/data"));
  CHECK(m.services[1].argv == Words{"redis-server", "--port", "6380"});  // include env_file
  CHECK(m.services[1].working_dir == DataDir("include/cache"));  // its project directory
  CHECK(m.services[2].working_dir == DataDir("include"));
  CHECK(m.project_directory == DataDir("include"));

  options.environment["CACHE_PORT"] = "7000";  // the including side's variables win
  auto again = Load(options);
  REQUIRE(again.manifest);
  CHECK(again.manifest->Find("cache")->argv == Words{"redis-server", "--port", "7000"});
}

TEST_CASE("Load: post_start and pre_stop hooks") {
  LoadOptions options = OptionsIn("");
  options.environment["FROM_ENV"] = "env";
  auto result = LoadText(R"(services:
  web:
    command: run
    post_start:
      - command: ./warm.sh --all
        working_dir: sub
        environment: [A=1, FROM_ENV, UNSET_HERE]
        privileged: true
      - command: ["echo", "two"]
        environment: {B: "2"}
    pre_stop:
      - command: drain
)", options);
  INFO(Text(result));
  REQUIRE(result.manifest);
  CHECK(Text(result).empty());
  const Service& web = *result.manifest->Find("web");
  REQUIRE(web.post_start.size() == 2);
  CHECK(web.post_start[0].command == Words{"./warm.sh", "--all"});
  CHECK(web.post_start[0].working_dir == DataDir("sub"));
  CHECK(web.post_start[0].environment == Words{"A=1", "FROM_ENV=env"});
  CHECK(web.post_start[0].privileged);
  CHECK_FALSE(web.post_start[0].user.has_value());  // the service's
  CHECK(web.post_start[1].command == Words{"echo", "two"});
  CHECK(web.post_start[1].environment == Words{"B=2"});
  REQUIRE(web.pre_stop.size() == 1);
  CHECK(web.pre_stop[0].command == Words{"drain"});
}

TEST_CASE("Load: volumes merge by container path, ports by value, as compose-go's indexers do") {
  LoadOptions options = OptionsIn("merge_unique");
  options.files = {"compose.yaml", "override.yaml"};
  auto result = Load(options);
  INFO(Text(result));
  REQUIRE(result.manifest);
  const Service& web = *result.manifest->Find("web");
  CHECK(web.engine.volumes == Words{"./b:/src", "./more:/logs"});
  CHECK(web.engine.ports == Words{"8000:8000", "8001:8001"});
  REQUIRE(web.container.mounts.size() == 2);
  for (const auto& m : web.container.mounts) {
    if (m.target == "/src") CHECK(m.source == DataDir("merge_unique") + "/b");
    if (m.target == "/logs") CHECK(m.source == DataDir("merge_unique") + "/more");
  }
}

TEST_CASE("Load: relative bind sources of volumes follow the extended or included file") {
  auto result = Load(OptionsIn("rebase"));
  INFO(Text(result));
  REQUIRE(result.manifest);
  const std::string dir = DataDir("rebase");
  const Service& web = *result.manifest->Find("web");
  CHECK(web.engine.volumes ==
        Words{dir + "/other/static:/code/static", dir + "/shared:/code/shared:ro",
              "data:/var/lib/data", "/abs:/abs", "~/cache:/root/.cache", "/only/target",
              dir + "/other/conf:/etc/conf", "named:/named"});
  const Service& cache = *result.manifest->Find("cache");
  CHECK(cache.engine.volumes == Words{dir + "/inc/data:/data", dir + "/inc/extra:/extra"});
}

TEST_CASE("Load: a problem of an env file two services read is reported once") {
  LoadOptions options = OptionsIn("shared_env");
  options.files = {"compose.yaml"};
  auto result = Load(options);
  REQUIRE(result.manifest);
  std::string text = Text(result);
  INFO(text);
  CHECK(result.manifest->Find("web")->environment.at("URL") == "http:///x");
  CHECK(result.manifest->Find("worker")->environment.at("URL") == "http:///x");
  REQUIRE(result.diagnostics.size() == 1);
  CHECK(text.find("shared.env:1:1: warning: variable 'NOT_SET_ANYWHERE' is not set") !=
        std::string::npos);
}

TEST_CASE("Load: one problem found through several services names each of them once") {
  // The Dockerfile of a build context two services share: its skipped RUN is one warning.
  LoadOptions options = OptionsIn("shared_build");
  options.files = {"compose.yaml"};
  auto result = Load(options);
  std::string text = Text(result);
  INFO(text);
  size_t runs = 0;
  for (size_t at = text.find("step(s) skipped"); at != std::string::npos;
       at = text.find("step(s) skipped", at + 1))
    ++runs;
  CHECK(runs == 1);
  CHECK(text.find("services.web.build, services.worker.build: ") != std::string::npos);
}
