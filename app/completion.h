#pragma once
// Shell completion scripts generated from the CLI definitions, so a new subcommand or option
// is completed without anyone editing a script.
#include <string>

namespace CLI {
class App;
}

namespace stackvisor::app {

/// CompletionScript returns the completion script for shell ("bash", "zsh", "fish") covering
/// every subcommand and option of `cli`. Service names are completed, for positionals named
/// service(s), by running `stackvisor config --services` with the -f/--profile/--env-file/
/// --project-directory words already on the line.
std::string CompletionScript(const CLI::App& cli, const std::string& shell);

}  // namespace stackvisor::app
