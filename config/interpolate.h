#pragma once
// Compose variable interpolation: $VAR, ${VAR}, ${VAR:-d}, ${VAR-d}, ${VAR:?e}, ${VAR?e},
// ${VAR:+a}, ${VAR+a}, nesting in the argument, and $$ for a literal $.
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace stackvisor::config {

using Variables = std::map<std::string, std::string>;

/// One problem met while interpolating a value. Errors make the manifest invalid; a warning
/// (an unset variable read as "") does not.
struct InterpolationIssue {
  bool error = false;
  std::string message;
};

/// Interpolate substitutes every reference in text from vars. It never fails outright: an
/// unset variable becomes "" with a warning; a ${VAR:?e} with VAR unset and a malformed "${...}"
/// add an error. A '$' that starts no reference ("$1", "end$") is kept, as compose does.
/// Arguments of operators are only evaluated (and only report problems) when used.
std::string Interpolate(std::string_view text, const Variables& vars,
                        std::vector<InterpolationIssue>& issues);

}  // namespace stackvisor::config
