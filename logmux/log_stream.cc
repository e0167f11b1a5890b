#include "logmux/log_stream.h"

#include <optional>
#include <utility>

namespace stackvisor::logmux {

LogStream::LogStream(Mux& mux, int source, size_t max_line)
    : mux_(mux), source_(source), splitter_(max_line) {}

void LogStream::SetObserver(std::function<void(std::string_view line)> observer) {
  if (in_observer_) {
    // Replacing the std::function that is running would destroy it mid-call.
    replacement_ = std::move(observer);
    replace_observer_ = true;
    return;
  }
  observer_ = std::move(observer);
}

void LogStream::Feed(std::string_view chunk) {
  // stdout is gone (`stackvisor up | head`): formatting lines nobody can read would only burn
  // CPU while the services keep flooding. Lines are still split for a log probe.
  if (!observer_ && mux_.output().broken()) return;
  Split([&](auto&& sink) { splitter_.Feed(chunk, sink); });
}

void LogStream::Finish() {
  Split([&](auto&& sink) { splitter_.Finish(sink); });
}

template <typename Run>
void LogStream::Split(Run&& run) {
  const std::string_view head = mux_.LineHead(source_);
  if (observer_) {
    run([&](std::string_view line) { EmitObserved(head, line); });
    return;
  }
  std::optional<Output::Lines> lines(std::in_place, mux_.output());
  run([&](std::string_view line) {
    lines->Append(head, line);
    if (lines->size() >= kMaxBatch) {
      lines.reset();  // commits, so the writer starts on a huge chunk before it is all formatted
      lines.emplace(mux_.output());
    }
  });
}

void LogStream::EmitObserved(std::string_view head, std::string_view line) {
  // Observing happens only until a log probe matched: writing line by line meanwhile is cheap
  // and keeps "healthy" after the line that made it so.
  { Output::Lines(mux_.output()).Append(head, line); }
  if (!observer_) return;  // removed by an earlier line of this chunk
  in_observer_ = true;
  observer_(line);
  in_observer_ = false;
  if (replace_observer_) {
    replace_observer_ = false;
    observer_ = std::move(replacement_);
    replacement_ = nullptr;
  }
}

}  // namespace stackvisor::logmux
