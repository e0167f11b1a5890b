#include "logmux/log_stream.h"

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
  const std::string_view head = mux_.LineHead(source_);
  splitter_.Feed(chunk, [&](std::string_view line) { Emit(head, line); });
  WriteBatch();
}

void LogStream::Finish() {
  const std::string_view head = mux_.LineHead(source_);
  splitter_.Finish([&](std::string_view line) { Emit(head, line); });
  WriteBatch();
}

void LogStream::Emit(std::string_view head, std::string_view line) {
  BatchBuffer& batch = mux_.batch();
  batch.AppendLine(head, line);
  if (!observer_) {
    if (batch.size() >= kMaxBatch) WriteBatch();
    return;
  }
  // Observing happens only until a log probe matched: writing line by line meanwhile is cheap
  // and keeps "healthy" after the line that made it so.
  WriteBatch();
  in_observer_ = true;
  observer_(line);
  in_observer_ = false;
  if (replace_observer_) {
    replace_observer_ = false;
    observer_ = std::move(replacement_);
    replacement_ = nullptr;
  }
}

void LogStream::WriteBatch() {
  BatchBuffer& batch = mux_.batch();
  if (batch.empty()) return;
  mux_.output().Write(batch.view());
  batch.Clear();
}

}  // namespace stackvisor::logmux
