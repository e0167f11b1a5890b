#pragma once
// `stackvisor export FORMAT` and `stackvisor completion SHELL`: the commands that describe the
// stack to something else (another engine, a shell) instead of running it.
#include <functional>
#include <optional>
#include <string>

#include "app/cli.h"

namespace CLI {
class App;
}

namespace stackvisor::app {

/// ExportCommands registers the two subcommands on the CLI and runs whichever was chosen. It
/// lives in Main for one parse; `add_load_options` is Main's -f/--profile/--env-file adder,
/// so export reads the manifest exactly as `up` would.
class ExportCommands {
 public:
  void Add(CLI::App& cli, Invocation& inv,
           const std::function<void(CLI::App*, Invocation&)>& add_load_options);

  /// The exit code of the chosen command, or nullopt when neither was chosen.
  std::optional<int> Run(const Invocation& inv);

 private:
  CLI::App* root_ = nullptr;
  CLI::App* export_ = nullptr;
  CLI::App* completion_ = nullptr;
  std::string format_;
  std::string output_dir_;
  std::string shell_;
};

/// RunExport loads the manifest, builds the export and writes its files into output_dir
/// (created; env and secret files mode 0600); what could not be mapped goes to stderr.
int RunExport(const Invocation& inv, const std::string& format, const std::string& output_dir);

}  // namespace stackvisor::app
