#pragma once
// The env-file format compose reads for `env_file:` and the project's `.env`.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/interpolate.h"

namespace stackvisor::config {

struct EnvEntry {
  std::string key;
  std::optional<std::string> value;  // always set: a bare KEY is resolved or left out
  int line = 0;                      // 1-based
};

struct EnvFileIssue {
  int line = 0;
  bool error = false;
  std::string message;
};

/// ParseEnvFile reads KEY=VALUE (or KEY: VALUE) lines after an optional UTF-8 byte order
/// mark: `#` comment lines, an optional `export ` prefix,
/// 'single quotes' literal, "double quotes" with \n \t \r \\ \" \$ escapes and interpolation
/// (quoted values may span lines), unquoted values trimmed and interpolated with an inline
/// comment only after a blank (`a#b` keeps the '#'), a bare KEY taking its value from vars or an
/// earlier line and left out when neither has it. References
/// resolve from vars first, then from keys defined earlier in the same file (the latest
/// definition, as compose reads it). Linear in the size of the file.
std::vector<EnvEntry> ParseEnvFile(std::string_view text, const Variables& vars,
                                   std::vector<EnvFileIssue>& issues);

}  // namespace stackvisor::config
