#include "config/diagnostic.h"

namespace stackvisor::config {

std::string Diagnostic::Format() const {
  std::string out = file;
  if (line > 0) out += ":" + std::to_string(line) + ":" + std::to_string(column);
  out += severity == Severity::kError ? ": error: " : ": warning: ";
  if (!path.empty()) out += path + ": ";
  out += message;
  return out;
}

std::string Cut(std::string_view text) {
  if (text.size() <= kMaxQuoted) return std::string(text);
  size_t end = kMaxQuoted;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return std::string(text.substr(0, end)) + "\u2026";
}

std::string Quote(std::string_view text) { return "'" + Cut(text) + "'"; }

bool HasErrors(const std::vector<Diagnostic>& diagnostics) {
  for (const auto& d : diagnostics)
    if (d.severity == Diagnostic::Severity::kError) return true;
  return false;
}

}  // namespace stackvisor::config
