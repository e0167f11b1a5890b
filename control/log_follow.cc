#include "control/log_follow.h"

#include <nlohmann/json.hpp>

#include "control/snapshot_json.h"

namespace stackvisor::control {
namespace {

std::string_view StreamName(logmux::Stream stream) {
  switch (stream) {
    case logmux::Stream::kStdout: return "stdout";
    case logmux::Stream::kStderr: return "stderr";
    case logmux::Stream::kEvent: return "event";
  }
  return "stdout";
}

}  // namespace

void AppendLogEntry(std::string& out, const LogLayout& layout, logmux::LineFormatter& formatter,
                    std::string_view name, const logmux::LogEntry& entry) {
  if (!layout.json) {
    formatter.Append(out, name, entry);
    return;
  }
  nlohmann::json line = {{"seq", entry.seq},
                         {"service", name},
                         {"stream", StreamName(entry.stream)},
                         {"time", Rfc3339(entry.time)},
                         {"line", entry.bytes}};
  out += line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  out += '\n';
}

LogFollows::~LogFollows() {
  for (auto& [key, follow] : follows_) {
    supervisor_.history().followers().Unsubscribe(follow->id);
    follow->stream->OnClosed(nullptr);
  }
}

void LogFollows::Add(std::unique_ptr<ResponseStream> stream, std::vector<int> sources,
                     LogLayout layout) {
  if (!stream || !stream->open()) return;
  const uint64_t key = next_key_++;
  auto follow = std::make_unique<Follow>(Follow{0, std::move(stream), layout,
                                                logmux::LineFormatter(layout.format)});
  Follow* raw = follow.get();
  raw->id = supervisor_.history().followers().Subscribe(
      std::move(sources), [this, raw](const logmux::LogEntry& entry) { OnLine(raw, entry); });
  raw->stream->OnClosed([this, key] { OnClosed(key); });
  follows_.emplace(key, std::move(follow));
}

void LogFollows::OnLine(Follow* follow, const logmux::LogEntry& entry) noexcept {
  std::string text;
  AppendLogEntry(text, follow->layout, follow->formatter, supervisor_.mux().name(entry.source),
                 entry);
  // Last use of `follow`: a cut-off runs OnClosed inside Push, which destroys it.
  follow->stream->Push(text);
}

void LogFollows::OnClosed(uint64_t key) noexcept {
  auto found = follows_.find(key);
  if (found == follows_.end()) return;
  // Unsubscribing from inside the follower's own callback is allowed: the registry destroys
  // the callback only after it returns, and never calls it again.
  supervisor_.history().followers().Unsubscribe(found->second->id);
  follows_.erase(found);
}

}  // namespace stackvisor::control
