#pragma once
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config/loader.h"

namespace CLI {
class App;
}

namespace stackvisor::app {

/// What the user asked for on the command line, parsed but not yet acted on.
struct Invocation {
  enum class Command { kNone, kUp, kConfig, kHelp, kDown };
  Command command = Command::kNone;
  config::LoadOptions load;
  bool no_color = false;
  bool timestamps = false;
  bool abort_on_exit = false;
  std::string exit_code_from;
  bool list_services = false;  // config --services
  bool quiet = false;          // config -q
  std::string help_topic;      // help [up|config|down]
  // up -d / --wait / --wait-timeout, and down -t (app/detach.h, app/down_command.h).
  bool detach = false;
  bool wait = false;
  std::optional<double> wait_timeout_s;
  std::optional<int> down_timeout_s;
  // up --log-lines / --log-bytes: each service's log ring (what `logs` can still show).
  std::optional<size_t> log_lines;
  std::string log_bytes;
  // Reload (app/up_apply.h): up --dry-run / --force-recreate / --no-recreate; config --hash.
  bool dry_run = false;
  bool force_recreate = false;
  bool no_recreate = false;
  std::string config_hash;  // "*" or "web,db"
  std::vector<std::string> scale;  // up --scale SERVICE=N, as given; into load.scale
  // up --watch, and `stackvisor watch` (the same): follow develop.watch (watch/watcher.h).
  bool watch = false;
};

/// ParseScale reads `up --scale` values ("web=3") into counts; nullopt (with the message in
/// `error`) for a value that is not SERVICE=N with N a non-negative integer.
std::optional<std::map<std::string, int>> ParseScale(const std::vector<std::string>& values,
                                                     std::string& error);

/// AddProjectOptions adds how every command finds its project (-f/--file, -p/--project-name,
/// --project-directory, --profile, --env-file) to `cmd`; without short_file, -f is left for
/// the command's own use (`logs -f` follows).
void AddProjectOptions(CLI::App* cmd, Invocation& inv, bool short_file);

/// MergeProjectOptions applies the project options given before the subcommand (compose's own
/// form, `docker compose -f a.yml -f b.yml up`) under the subcommand's: files, profiles and
/// env files given before come first, a project name or directory given after wins.
void MergeProjectOptions(const config::LoadOptions& before, config::LoadOptions& load);

/// ParseAndRun parses argv with CLI11 and dispatches; returns the process exit code
/// (2 for bad usage).
int Main(int argc, char** argv);

}  // namespace stackvisor::app
