#pragma once
#include <string>
#include <vector>

namespace stackvisor::config {

/// Diagnostic is one problem found in the manifest or its inputs. Format() gives the text users
/// see, e.g. "compose.yaml:12:5: services.web.restart: expected one of no, always, on-failure[:N],
/// unless-stopped, got 'sometimes'".
struct Diagnostic {
  enum class Severity { kError, kWarning };
  Severity severity = Severity::kError;
  std::string file;
  int line = 0;
  int column = 0;
  std::string path;  // key path: services.web.depends_on
  std::string message;

  std::string Format() const;
};

bool HasErrors(const std::vector<Diagnostic>& diagnostics);

}  // namespace stackvisor::config
