#include "logmux/mux.h"

#include <algorithm>
#include <cstring>

namespace stackvisor::logmux {

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

void Mux::Retire(int source) {
  sources_[static_cast<size_t>(source)].retired = true;
  if (sources_[static_cast<size_t>(source)].name.size() == width_) Repad();
}

void Mux::Revive(int source) {
  sources_[static_cast<size_t>(source)].retired = false;
  if (sources_[static_cast<size_t>(source)].name.size() > width_) Repad();
}

void Mux::Repad() {
  size_t width = 0;
  for (const Source& source : sources_)
    if (!source.retired) width = std::max(width, source.name.size());
  if (width == width_) return;
  width_ = width;
  for (size_t i = 0; i < sources_.size(); ++i) BuildPrefix(i);
}

void Mux::BuildPrefix(size_t i) {
  Source& source = sources_[i];
  source.prefix.clear();
  AppendPrefix(source.prefix, line_format(), static_cast<int>(i), source.name);
}

void Mux::Line(int source, std::string_view line) {
  if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
  Batch batch(*this, source, Stream::kEvent);
  for (;;) {
    const size_t end = line.find('\n');
    batch.Add(line.substr(0, end));
    if (end == std::string_view::npos) break;
    line.remove_prefix(end + 1);
  }
}

Mux::Batch::Batch(Mux& mux, int source, Stream stream)
    : mux_(mux), source_(source), stream_(stream), history_(mux.history_), prefix_(mux.prefix(source)) {
  // The clock is read only when someone keeps the time: `up` without -t and without history
  // costs what it did before the history existed.
  if (history_ != nullptr || mux.options_.timestamps) now_ = std::chrono::system_clock::now();
  if (mux.options_.timestamps) {
    // Copied: a nested Batch reformats the Mux's cached timestamp.
    const std::string_view stamp = mux.timestamp_.Format(now_);
    std::memcpy(stamp_, stamp.data(), stamp.size());
    stamp_[stamp.size()] = ' ';
    stamp_size_ = stamp.size() + 1;
  }
  if (mux.active_ == nullptr) {
    own_.emplace(mux.output_);
    mux.active_ = &*own_;
  }
  out_ = mux.active_;
}

Mux::Batch::~Batch() {
  if (!own_) return;
  // Cleared first: committing may run the pressure callback, which may log a line of its own.
  mux_.active_ = nullptr;
  own_.reset();
}

void Mux::Batch::Recommit() {
  mux_.active_ = nullptr;
  own_.reset();
  own_.emplace(mux_.output_);
  mux_.active_ = &*own_;
  out_ = mux_.active_;
}

}  // namespace stackvisor::logmux
