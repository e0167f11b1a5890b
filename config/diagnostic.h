#pragma once
#include <cstddef>
#include <string>
#include <string_view>
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

/// How much of a user's value a message repeats: enough to recognise it, never a line of
/// hundreds of KiB.
inline constexpr size_t kMaxQuoted = 80;

/// Cut returns text, or its first kMaxQuoted bytes (never splitting a UTF-8 character) and
/// "…". Every message that repeats input goes through Cut or Quote.
std::string Cut(std::string_view text);

/// Quote is 'Cut(text)'.
std::string Quote(std::string_view text);

}  // namespace stackvisor::config
