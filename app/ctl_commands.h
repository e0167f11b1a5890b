#pragma once
// The verbs that drive a running stack through its API: ps, logs, start, stop, restart, kill,
// top. Each is a client only: it finds the stack (project_client.h), asks, prints.
#include <optional>
#include <string>
#include <vector>

#include "app/cli.h"

namespace CLI {
class App;
}

namespace stackvisor::app {

/// ControlInvocation is what the control verbs were asked, parsed but not acted on.
struct ControlInvocation {
  std::string verb;  // empty: none of these was given
  std::vector<std::string> services;
  bool json = false;        // ps --json
  bool all = false;         // ps --all
  bool watch = false;       // ps --watch
  bool follow = false;      // logs -f
  std::string tail;         // logs --tail N|all
  std::string since;        // logs --since T
  bool timestamps = false;  // logs -t
  bool no_color = false;    // logs --no-color
  std::optional<double> timeout;  // stop/restart -t SECONDS
  std::string signal = "SIGKILL";  // kill -s
};

/// Adds the verbs to `cli`; each fills `ctl` (and the load options in `inv`) when given.
void AddControlCommands(CLI::App& cli, Invocation& inv, ControlInvocation& ctl);

/// Runs the verb named in ctl.verb; returns the exit code: 0 done, 1 the stack is not running
/// or the server refused, 2 a bad manifest.
int RunControlCommand(const Invocation& inv, const ControlInvocation& ctl);

}  // namespace stackvisor::app
