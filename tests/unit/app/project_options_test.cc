// Compose's command form `stackvisor -f a.yml -f b.yml up`: the project options before the
// subcommand, and where the command of `run`/`exec` begins when they are there.
#include <doctest/doctest.h>

#include "app/cli.h"
#include "app/exec_command.h"

using stackvisor::app::MergeProjectOptions;
using stackvisor::app::SplitAtCommand;
using Args = std::vector<std::string>;

TEST_CASE("MergeProjectOptions: files before the subcommand come first; its own name wins") {
  stackvisor::config::LoadOptions before, load;
  before.files = {"docker-compose.yml", "docker/docker-compose.prod.yml"};
  before.profiles = {"a"};
  before.env_files = {"x.env"};
  before.project_name = "outer";
  before.project_directory = "/outer";
  load.files = {"extra.yml"};
  load.project_name = "inner";
  MergeProjectOptions(before, load);
  CHECK(load.files == Args{"docker-compose.yml", "docker/docker-compose.prod.yml", "extra.yml"});
  CHECK(load.profiles == Args{"a"});
  CHECK(load.env_files == Args{"x.env"});
  CHECK(load.project_name == "inner");
  CHECK(load.project_directory == "/outer");
}

TEST_CASE("SplitAtCommand: -f FILE before `run` is ours, the command after SERVICE is not") {
  const std::set<std::string> top{"-f", "--file", "-p", "--project-name"};
  const auto split = SplitAtCommand(
      {"stackvisor", "-f", "docker-compose.yml", "-f", "docker/docker-compose.prod.yml", "run",
       "--rm", "caddy", "caddy", "validate", "--config", "/etc/caddy/Caddyfile"},
      {"exec", "run"}, {"-e", "--env"}, top);
  CHECK(split.ours == Args{"stackvisor", "-f", "docker-compose.yml", "-f",
                           "docker/docker-compose.prod.yml", "run", "--rm", "caddy"});
  CHECK(split.command == Args{"caddy", "validate", "--config", "/etc/caddy/Caddyfile"});
  // Attached values take no argument; other top-level commands come back whole.
  CHECK(SplitAtCommand({"stackvisor", "--file=a.yml", "exec", "web", "ls", "-e"},
                       {"exec", "run"}, {"-e"}, top)
            .command == Args{"ls", "-e"});
  const Args up{"stackvisor", "-f", "a.yml", "up", "web"};
  CHECK(SplitAtCommand(up, {"exec", "run"}, {"-e"}, top).ours == up);
}
