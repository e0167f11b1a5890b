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
                     LogLayout layout, std::string backlog) {
  if (!stream || !stream->open()) return;
  const uint64_t key = next_key_++;
  auto follow = std::make_unique<Follow>(Follow{0, std::move(stream), layout,
                                                logmux::LineFormatter(layout.format),
                                                std::move(backlog)});
  Follow* raw = follow.get();
  raw->id = supervisor_.history().followers().Subscribe(
      std::move(sources), [this, raw](const logmux::LogEntry& entry) { OnLine(raw, entry); });
  raw->stream->OnClosed([this, key] { OnClosed(key); });
  follows_.emplace(key, std::move(follow));
  if (!PushSlice(raw)) return;
  raw->paced = !raw->pending.empty();
  if (raw->paced && !pace_.active())
    pace_.StartRepeating(std::chrono::milliseconds(20), [this] { OnPace(); });
}

bool LogFollows::PushSlice(Follow* follow) {
  if (follow->pending.empty()) return true;
  size_t size = follow->pending.size();
  if (size > kSlice) {
    // Whole lines only; a line longer than a slice goes out alone.
    size_t cut = follow->pending.rfind('\n', kSlice - 1);
    if (cut == std::string::npos) cut = follow->pending.find('\n');
    size = cut == std::string::npos ? follow->pending.size() : cut + 1;
  }
  std::string slice = follow->pending.substr(0, size);
  follow->pending.erase(0, size);
  return follow->stream->Push(slice);  // false: closed, and `follow` destroyed
}

void LogFollows::OnPace() noexcept {
  std::vector<uint64_t> keys;
  for (const auto& [key, follow] : follows_)
    if (follow->paced) keys.push_back(key);
  for (uint64_t key : keys) {
    auto found = follows_.find(key);
    if (found == follows_.end()) continue;
    Follow* follow = found->second.get();
    // PushSlice false: closed, and `follow` destroyed.
    if (PushSlice(follow) && follow->pending.empty()) follow->paced = false;
  }
  for (const auto& [key, follow] : follows_)
    if (follow->paced) return;
  pace_.Stop();
}

void LogFollows::Flush() noexcept {
  flush_.Cancel();
  std::vector<uint64_t> keys;
  for (const auto& [key, follow] : follows_)
    if (!follow->paced && !follow->pending.empty()) keys.push_back(key);
  for (uint64_t key : keys) {
    auto found = follows_.find(key);
    if (found == follows_.end()) continue;  // an earlier push's cut-off closed it
    // Whole, not paced: a live follower is held to the stream cap as when each line went out
    // alone, so one that cannot keep up is cut off as soon as it falls that far behind.
    std::string text = std::move(found->second->pending);
    found->second->pending.clear();
    found->second->stream->Push(text);  // may close it, and destroy the follow
  }
}

void LogFollows::OnLine(Follow* follow, const logmux::LogEntry& entry) noexcept {
  AppendLogEntry(follow->pending, follow->layout, follow->formatter,
                 supervisor_.mux().name(entry.source), entry);
  if (follow->pending.size() <= kMaxPending) {
    // Paced: behind the backlog, in order, sent by the pace timer; live: on the next turn.
    if (!follow->paced) flush_.Request();
    return;
  }
  // It cannot keep up with its own backlog: end it the way the server cuts one off.
  follow->pending.clear();
  const char* note = follow->layout.json
                         ? "{\"note\":\"cut off: the client did not keep up\"}\n"
                         : "stackvisor: cut off: the client did not keep up\n";
  if (!follow->stream->Push(note)) return;
  for (auto& [key, f] : follows_) {
    if (f.get() == follow) {
      OnClosed(key);  // ends the stream; the registry drops the callback after this line
      return;
    }
  }
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
