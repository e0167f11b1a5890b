#include "app/cli.h"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <set>

#include "app/commands.h"
#include "app/exec_command.h"
#include "app/ctl_commands.h"
#include "app/down_command.h"
#include "app/export_command.h"
#include "app/git_revision.h"
#include "app/version.h"

extern char** environ;

namespace stackvisor::app {

void AddProjectOptions(CLI::App* cmd, Invocation& inv, bool short_file) {
  // Each occurrence takes exactly one value, so `up -f a.yaml web` names a service.
  cmd->add_option(short_file ? "-f,--file" : "--file", inv.load.files,
                  "Manifest file (repeat to merge, compose rules)")
      ->allow_extra_args(false);
  cmd->add_option("-p,--project-name", inv.load.project_name,
                  "Project name (default: COMPOSE_PROJECT_NAME, the top-level name, the "
                  "directory's name)");
  cmd->add_option("--project-directory", inv.load.project_directory,
                  "Project directory (default: the first file's directory)");
  cmd->add_option("--profile", inv.load.profiles, "Enable a profile (repeatable)")
      ->allow_extra_args(false);
  cmd->add_option("--env-file", inv.load.env_files,
                  "Interpolation variables file (default: PROJECT_DIR/.env)")
      ->allow_extra_args(false);
}

void MergeProjectOptions(const config::LoadOptions& before, config::LoadOptions& load) {
  auto prepend = [](const std::vector<std::string>& first, std::vector<std::string>& into) {
    into.insert(into.begin(), first.begin(), first.end());
  };
  prepend(before.files, load.files);
  prepend(before.profiles, load.profiles);
  prepend(before.env_files, load.env_files);
  if (load.project_name.empty()) load.project_name = before.project_name;
  if (load.project_directory.empty()) load.project_directory = before.project_directory;
}

namespace {

void AddLoadOptions(CLI::App* cmd, Invocation& inv) { AddProjectOptions(cmd, inv, true); }

// up, run and config: an image without a recipe (and no command) leaves its service out.
void AddIgnoreUnavailable(CLI::App* cmd, Invocation& inv) {
  cmd->add_flag("--ignore-unavailable", inv.load.ignore_unavailable,
                "Leave out, with a warning, services whose image has no recipe and no command");
}

std::map<std::string, std::string> ProcessEnvironment() {
  std::map<std::string, std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string kv(*e);
    auto eq = kv.find('=');
    if (eq != std::string::npos) env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  return env;
}

}  // namespace

std::optional<std::map<std::string, int>> ParseScale(const std::vector<std::string>& values,
                                                     std::string& error) {
  std::map<std::string, int> out;
  for (const auto& v : values) {
    const auto eq = v.find('=');
    const std::string count = eq == std::string::npos ? "" : v.substr(eq + 1);
    if (eq == 0 || count.empty() || count.size() > 9 ||
        count.find_first_not_of("0123456789") != std::string::npos) {
      error = "--scale: expected SERVICE=N with N a count such as 3, got '" + v + "'";
      return std::nullopt;
    }
    out[v.substr(0, eq)] = std::stoi(count);  // the last of repeated ones wins, as compose
  }
  return out;
}

int Main(int argc, char** argv) {
  Invocation inv;
  CLI::App cli{"stackvisor runs a compose-style stack of native processes: in dependency and "
               "readiness order, restarting them when they fail, with their logs on stdout.",
               "stackvisor"};
  cli.set_version_flag("-v,--version", std::string("stackvisor ") + STACKVISOR_VERSION +
                                           " (git " + STACKVISOR_GIT_REVISION + ")");
  cli.require_subcommand(0, 1);
  // Compose's own command form, `-f a.yml -f b.yml up`, as well as `up -f a.yml -f b.yml`.
  Invocation before;
  AddProjectOptions(&cli, before, true);

  auto* up = cli.add_subcommand("up", "Start the stack in the foreground until stopped");
  AddLoadOptions(up, inv);
  AddIgnoreUnavailable(up, inv);
  up->add_flag("--no-color", inv.no_color, "Plain log output (NO_COLOR is honoured too)");
  up->add_flag("--timestamps", inv.timestamps, "Prefix every line with an RFC 3339 time");
  up->add_flag("--abort-on-exit", inv.abort_on_exit, "Stop everything when any service exits");
  up->add_option("--exit-code-from", inv.exit_code_from,
                 "Stop when SERVICE exits and return its exit code");
  up->add_option("services", inv.load.services, "Start only these (and their dependencies)");
  up->add_option("--scale", inv.scale,
                 "SERVICE=N: run N replicas of SERVICE, SERVICE-1..SERVICE-N (repeatable; beats "
                 "scale: and deploy.replicas)")
      ->allow_extra_args(false);
  up->add_option("--log-lines", inv.log_lines,
                 "Lines of each service's log kept for `logs` (default 10000)")
      ->check(CLI::PositiveNumber);
  up->add_option("--log-bytes", inv.log_bytes,
                 "Bytes of each service's log kept for `logs`: 512k, 4m (default), 1g");
  // Detached runs (app/detach.h): compose's flags; --wait and --wait-timeout imply -d.
  up->add_flag("-d,--detach", inv.detach,
               "Run in the background; return once every service is ready");
  up->add_flag("--wait", inv.wait, "Same as -d: wait for every service to be ready");
  up->add_option("--wait-timeout", inv.wait_timeout_s,
                 "With -d: fail after SECONDS if not every service is ready")
      ->check(CLI::PositiveNumber);

  // Against a running project, `up` applies the files (app/up_apply.h).
  up->add_flag("--dry-run", inv.dry_run,
               "Print what up would do (keep/restart/start/stop per service); change nothing");
  up->add_flag("--force-recreate", inv.force_recreate,
               "With a running stack: restart every service, changed or not");
  up->add_flag("--no-recreate", inv.no_recreate,
               "With a running stack: keep changed services as they run; only start new ones")
      ->excludes("--force-recreate");
  up->add_flag("-w,--watch", inv.watch,
               "Follow develop.watch: sync and restart services as their files change");
  // compose's `watch` starts the stack too: it is `up --watch`.
  auto* watch = cli.add_subcommand(
      "watch", "Start the stack and sync/restart services as their files change (develop.watch)");
  AddLoadOptions(watch, inv);
  watch->add_flag("--no-color", inv.no_color, "Plain log output (NO_COLOR is honoured too)");
  watch->add_flag("--timestamps", inv.timestamps, "Prefix every line with an RFC 3339 time");
  watch->add_option("services", inv.load.services, "Start only these (and their dependencies)");

  auto* down =
      cli.add_subcommand("down", "Stop a stack started with up -d, and wait until it is gone");
  AddLoadOptions(down, inv);
  down->add_option("-t,--timeout", inv.down_timeout_s,
                   "Grace period in seconds before SIGKILL (default: each stop_grace_period)")
      ->check(CLI::NonNegativeNumber);

  auto* cfg = cli.add_subcommand("config", "Print the resolved manifest as YAML");
  AddLoadOptions(cfg, inv);
  AddIgnoreUnavailable(cfg, inv);
  cfg->add_flag("--services", inv.list_services, "List service names in start order");
  cfg->add_flag("-q,--quiet", inv.quiet, "Only validate; print nothing on success");
  cfg->add_option("--hash", inv.config_hash,
                  "Print 'NAME HASH' of each service's resolved definition: \"*\" or web,db");

  // exec and run (app/exec_command.h): everything after SERVICE is the command's own, options
  // too, so the command line is cut there before CLI11 sees it.
  ExecInvocation exec_inv;
  auto* exec = cli.add_subcommand("exec", "Run a command in a running service's environment");
  auto* run = cli.add_subcommand("run", "Run a one-off command with a service's environment");
  for (auto* cmd : {exec, run}) {
    AddLoadOptions(cmd, inv);
    cmd->add_option("-e,--env", exec_inv.env, "Set K=V (K alone: our value of K) for the command")
        ->allow_extra_args(false);
    cmd->add_option("-u,--user", exec_inv.user, "Run as USER (name or uid[:gid]; only as root)");
    cmd->add_option("-w,--workdir", exec_inv.working_dir,
                    "Working directory (relative: to the service's)");
    cmd->add_option("service", exec_inv.service, "The service")->required();
  }
  exec->add_option("--index", exec_inv.index,
                   "Which replica of a scaled service (default 1: SERVICE-1)")
      ->check(CLI::PositiveNumber);
  AddIgnoreUnavailable(run, inv);
  run->add_flag("--rm", exec_inv.rm, "Accepted for compose (a run leaves nothing behind)");
  run->add_flag("--no-deps", exec_inv.no_deps, "Do not start the service's dependencies");
  run->add_option("--entrypoint", exec_inv.entrypoint,
                  "Replace the service's command; CMD is appended as its arguments");
  exec->footer("Usage: stackvisor exec [OPTIONS] SERVICE CMD...\nThe service must be running.");
  run->footer("Usage: stackvisor run [OPTIONS] SERVICE [CMD...]\nCMD replaces the service's "
              "whole command (its entrypoint and command).");
  std::set<std::string> exec_value_options;
  for (auto* cmd : {exec, run})
    for (const auto* opt : cmd->get_options())
      if (!opt->get_positional() && opt->get_items_expected_min() > 0) {
        for (const auto& n : opt->get_snames()) exec_value_options.insert("-" + n);
        for (const auto& n : opt->get_lnames()) exec_value_options.insert("--" + n);
      }
  std::set<std::string> top_value_options;
  for (const auto* opt : cli.get_options())
    if (!opt->get_positional() && opt->get_items_expected_min() > 0) {
      for (const auto& n : opt->get_snames()) top_value_options.insert("-" + n);
      for (const auto& n : opt->get_lnames()) top_value_options.insert("--" + n);
    }
  SplitArgs split = SplitAtCommand(std::vector<std::string>(argv, argv + argc), {"exec", "run"},
                                   exec_value_options, top_value_options);
  exec_inv.command = split.command;
  std::vector<const char*> parsed_argv;
  for (const auto& arg : split.ours) parsed_argv.push_back(arg.c_str());
  // The control verbs (ps, logs, start, stop, restart, kill, top): app/ctl_commands.h.
  ControlInvocation ctl;
  AddControlCommands(cli, inv, ctl);
  // export FORMAT, completion SHELL (app/export_command.h)
  ExportCommands exports;
  exports.Add(cli, inv, AddLoadOptions);

  auto* help = cli.add_subcommand("help", "Show help for a command");
  help->add_option("command", inv.help_topic, "any command: up, down, ps, logs, exec, run, ...");

  try {
    cli.parse(static_cast<int>(parsed_argv.size()), parsed_argv.data());
  } catch (const CLI::CallForHelp& e) {
    return cli.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return cli.exit(e);
  } catch (const CLI::ParseError& e) {
    cli.exit(e);
    return 2;
  }

  std::string scale_error;
  auto scale = ParseScale(inv.scale, scale_error);
  if (!scale) {
    std::cerr << "stackvisor: " << scale_error << "\n";
    return 2;
  }
  inv.load.scale = std::move(*scale);
  MergeProjectOptions(before.load, inv.load);
  inv.load.environment = ProcessEnvironment();
  std::error_code ec;
  inv.load.cwd = std::filesystem::current_path(ec).string();

  if (*help) {
    if (inv.help_topic.empty()) {
      std::cout << cli.help();
      return 0;
    }
    // Every subcommand, the control verbs too, by the name it was added under.
    CLI::App* topic = nullptr;
    for (CLI::App* sub : cli.get_subcommands([](CLI::App*) { return true; }))
      if (sub->get_name() == inv.help_topic) topic = sub;
    if (topic == nullptr) {
      std::cerr << "stackvisor: unknown command '" << inv.help_topic << "'\n";
      return 2;
    }
    std::cout << topic->help();
    return 0;
  }
  if (!ctl.verb.empty()) return RunControlCommand(inv, ctl);
  if (auto code = exports.Run(inv)) return *code;
  if (*up) return RunUp(inv);
  if (*watch) {
    inv.watch = true;
    return RunUp(inv);
  }
  if (*cfg) return RunConfig(inv);
  if (*exec) return RunExec(inv, exec_inv);
  if (*run) return RunRun(inv, exec_inv);
  if (*down) return RunDown(inv);
  std::cout << cli.help();
  return 2;
}

}  // namespace stackvisor::app
