#include "logmux/log_stream.h"

#include <utility>

namespace stackvisor::logmux {

LogStream::LogStream(Mux& mux, int source, Stream stream, size_t max_line)
    : mux_(mux), source_(source), stream_(stream), splitter_(max_line) {}

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
  // CPU while the services keep flooding. Lines are still split for a log probe and the history.
  if (!observer_ && mux_.history() == nullptr && mux_.output().broken()) return;
  Split([&](auto&& sink) { splitter_.Feed(chunk, sink); });
}

void LogStream::Finish() {
  Split([&](auto&& sink) { splitter_.Finish(sink); });
}

template <typename Run>
void LogStream::Split(Run&& run) {
  if (observer_) {
    run([&](std::string_view line) { EmitObserved(line); });
    return;
  }
  Mux::Batch batch(mux_, source_, stream_);
  run([&](std::string_view line) {
    batch.Add(line);
    batch.CommitIfOver(kMaxBatch);
  });
}

void LogStream::EmitObserved(std::string_view line) {
  // Observing happens only until a log probe matched: writing line by line meanwhile is cheap
  // and keeps "healthy" after the line that made it so.
  { Mux::Batch(mux_, source_, stream_).Add(line); }
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
