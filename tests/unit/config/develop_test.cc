// develop.watch: compose's rules read into WatchRule, paths resolved against the project, and
// the forms stackvisor cannot honour warned about.
#include <doctest/doctest.h>

#include "config/loader.h"
#include "tests/unit/config/load_test_util.h"

using namespace stackvisor::config;
using namespace stackvisor::config::testing;

namespace {

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("Load: develop.watch rules, paths under the project directory") {
  auto result = LoadText(R"(services:
  web:
    command: gunicorn
    develop:
      watch:
        - path: ./mysite/
          action: restart
          include: "**/*.py"
          ignore: [media/, "*.log"]
        - path: static
          action: sync+restart
          target: build/static
        - path: requirements.txt
          action: rebuild
)");
  INFO(Text(result));
  REQUIRE(result.manifest);
  CHECK(Text(result).empty());
  const auto& watch = result.manifest->services[0].watch;
  REQUIRE(watch.size() == 3);
  const std::string dir = result.manifest->project_directory;
  CHECK(watch[0].path == dir + "/mysite");
  CHECK(watch[0].action == WatchAction::kRestart);
  CHECK(watch[0].include == std::vector<std::string>{"**/*.py"});
  CHECK(watch[0].ignore == std::vector<std::string>{"media/", "*.log"});
  CHECK(watch[0].target.empty());
  CHECK(watch[1].action == WatchAction::kSyncRestart);
  CHECK(watch[1].target == dir + "/build/static");
  CHECK(watch[2].path == dir + "/requirements.txt");
  CHECK(watch[2].action == WatchAction::kRebuild);
}

TEST_CASE("Load: develop.watch mistakes are positioned errors") {
  auto result = LoadText(R"(services:
  web:
    command: gunicorn
    develop:
      watch:
        - path: src
          action: reload
        - action: restart
        - path: src
          action: sync
          target: src/copy
        - path: src
          action: restart
          ignroe: [x]
      wacth: []
)");
  const std::string text = Text(result);
  INFO(text);
  CHECK_FALSE(result.manifest);
  CHECK(Contains(text, "inline.yaml:7:19: error: services.web.develop.watch[0].action: expected "
                       "one of sync, restart, sync+restart, rebuild, sync+exec, got 'reload'"));
  CHECK(Contains(text, "services.web.develop.watch[1]: missing 'path'"));
  CHECK(Contains(text, "services.web.develop.watch[2].target: 'src/copy' is inside the watched "
                       "path"));
  CHECK(Contains(text, "services.web.develop.watch[3].ignroe: unknown key, did you mean "
                       "'ignore'?"));
  CHECK(Contains(text, "services.web.develop.wacth: unknown key, did you mean 'watch'?"));
}

TEST_CASE("Load: develop.watch forms without a host meaning are warnings") {
  auto result = LoadText(R"(services:
  web:
    command: gunicorn
    develop:
      watch:
        - path: src
          action: sync
        - path: src
          action: sync+restart
          target: /app
        - path: src
          action: sync+exec
          target: out
          exec:
            command: kill -HUP 1
)");
  const std::string text = Text(result);
  INFO(text);
  REQUIRE(result.manifest);
  CHECK(Contains(text, "services.web.develop.watch[0]: sync without a target: this rule does "
                       "nothing"));
  CHECK(Contains(text, "services.web.develop.watch[1].target: '/app' is outside the project "
                       "directory: not synced"));
  CHECK(Contains(text, "services.web.develop.watch[2].exec: not supported"));
  const auto& watch = result.manifest->services[0].watch;
  REQUIRE(watch.size() == 3);
  CHECK(watch[1].target.empty());  // still restarts
  CHECK(watch[1].action == WatchAction::kSyncRestart);
  CHECK(watch[2].target == result.manifest->project_directory + "/out");
}
