#include "logmux/line_format.h"

#include <array>

namespace stackvisor::logmux {
namespace {

// docker compose's order: distinct on dark and light terminals, bright variants after.
constexpr std::array<std::string_view, 10> kPalette = {
    "\x1b[36m", "\x1b[33m", "\x1b[32m", "\x1b[35m", "\x1b[34m",
    "\x1b[96m", "\x1b[93m", "\x1b[92m", "\x1b[95m", "\x1b[94m",
};
constexpr std::string_view kReset = "\x1b[0m";

}  // namespace

void AppendPrefix(std::string& out, const LineFormat& format, int source, std::string_view name) {
  if (format.color) out.append(kPalette[static_cast<size_t>(source) % kPalette.size()]);
  out.append(name);
  if (name.size() < format.width) out.append(format.width - name.size(), ' ');
  out.append(" |");
  if (format.color) out.append(kReset);
  out.push_back(' ');
}

void LineFormatter::Append(std::string& out, std::string_view name, const LogEntry& entry) {
  if (format_.timestamps) {
    out.append(timestamp_.Format(entry.time));
    out.push_back(' ');
  }
  AppendPrefix(out, format_, entry.source, name);
  out.append(entry.bytes);
  out.push_back('\n');
}

std::string FormatLine(const LineFormat& format, std::string_view name, const LogEntry& entry) {
  std::string out;
  LineFormatter(format).Append(out, name, entry);
  return out;
}

}  // namespace stackvisor::logmux
