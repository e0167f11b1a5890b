#pragma once
// systemd's unit-file syntax: how a value survives specifier, quote and variable expansion.
#include <optional>
#include <string>
#include <vector>

#include "config/manifest.h"

namespace stackvisor::exporter {

/// SdWord quotes one word of an Exec*= line so systemd passes it through unchanged: `%` and
/// `$` are doubled (specifiers, variables), and any word with other than safe characters is
/// double-quoted with C escapes.
std::string SdWord(const std::string& word);

/// SdCommand joins argv into an Exec*= value with SdWord.
std::string SdCommand(const std::vector<std::string>& argv);

/// SdSeconds formats a duration for *Sec= settings: "30s", "100ms", "1min 30s" are all valid;
/// milliseconds are used below one second, whole seconds otherwise.
std::string SdSeconds(config::Duration d);

/// EnvFileLine is one `KEY="value"` line of an EnvironmentFile=; the value's `\`, `"`, `$`
/// and `` ` `` are escaped, newlines are kept inside the quotes.
std::string EnvFileLine(const std::string& key, const std::string& value);

/// WaitCommand builds the ExecStartPost= command that returns once the service's healthcheck
/// passes (exec, tcp, http: with bash and coreutils only; log: journalctl, needs root), or
/// nullopt for the kinds systemd handles itself (none, notify).
std::optional<std::string> WaitCommand(const config::Service& s);

/// WaitTimeout is how long the wait may take: start_period + retries x (interval + timeout),
/// the time after which stackvisor would have declared the service unhealthy.
config::Duration WaitTimeout(const config::Healthcheck& h);

}  // namespace stackvisor::exporter
