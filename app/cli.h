#pragma once
#include <string>
#include <vector>

#include "config/loader.h"

namespace stackvisor::app {

/// What the user asked for on the command line, parsed but not yet acted on.
struct Invocation {
  enum class Command { kNone, kUp, kConfig, kHelp };
  Command command = Command::kNone;
  config::LoadOptions load;
  bool no_color = false;
  bool timestamps = false;
  bool abort_on_exit = false;
  std::string exit_code_from;
  bool list_services = false;  // config --services
  bool quiet = false;          // config -q
  std::string help_topic;      // help [up|config]
};

/// ParseAndRun parses argv with CLI11 and dispatches; returns the process exit code
/// (2 for bad usage).
int Main(int argc, char** argv);

}  // namespace stackvisor::app
