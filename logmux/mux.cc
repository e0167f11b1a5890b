#include "logmux/mux.h"

#include <algorithm>
#include <array>

namespace stackvisor::logmux {
namespace {

// docker compose's order: distinct on dark and light terminals, bright variants after.
constexpr std::array<std::string_view, 10> kPalette = {
    "\x1b[36m", "\x1b[33m", "\x1b[32m", "\x1b[35m", "\x1b[34m",
    "\x1b[96m", "\x1b[93m", "\x1b[92m", "\x1b[95m", "\x1b[94m",
};
constexpr std::string_view kReset = "\x1b[0m";
constexpr size_t kKeepScratch = 64 * 1024;

}  // namespace

Mux::Mux(Output& output, FormatOptions options) : output_(output), options_(options) {}

int Mux::AddSource(const std::string& name) {
  sources_.push_back(Source{name, {}});
  // Only a longer name changes the others' padding: rebuilding all on every add made adding
  // n sources O(n^2) (9,000 services).
  if (name.size() > width_) {
    width_ = name.size();
    for (size_t i = 0; i < sources_.size(); ++i) BuildPrefix(i);
  } else {
    BuildPrefix(sources_.size() - 1);
  }
  return static_cast<int>(sources_.size() - 1);
}

void Mux::BuildPrefix(size_t i) {
  Source& source = sources_[i];
  source.prefix.clear();
  if (options_.color) source.prefix.append(kPalette[i % kPalette.size()]);
  source.prefix.append(source.name);
  source.prefix.append(width_ - source.name.size(), ' ');
  source.prefix.append(" |");
  if (options_.color) source.prefix.append(kReset);
  source.prefix.push_back(' ');
}

std::string_view Mux::LineHead(int source) {
  if (!options_.timestamps) return prefix(source);
  head_.assign(timestamp_.Now());
  head_.push_back(' ');
  head_.append(prefix(source));
  return head_;
}

void Mux::Line(int source, std::string_view line) {
  if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
  // Not LineHead(): Line may run from an observer or the pressure callback while a LogStream
  // still uses the head LineHead returned.
  const std::string_view stamp = options_.timestamps ? timestamp_.Now() : std::string_view();
  scratch_.clear();
  for (;;) {
    const size_t end = line.find('\n');
    if (!stamp.empty()) {
      scratch_.append(stamp);
      scratch_.push_back(' ');
    }
    scratch_.append(prefix(source));
    scratch_.append(line.substr(0, end));
    scratch_.push_back('\n');
    if (end == std::string_view::npos) break;
    line.remove_prefix(end + 1);
  }
  output_.Write(scratch_);
  // An unusually long message must not pin its memory for the rest of the run.
  if (scratch_.capacity() > kKeepScratch) std::string().swap(scratch_);
}

}  // namespace stackvisor::logmux
