#pragma once
// `logs -f`: the open log streams, each a LogHistory follower.
#include <cstdint>
#include <map>
#include <memory>
#include <vector>

#include "control/reply.h"
#include "logmux/followers.h"
#include "logmux/line_format.h"
#include "supervisor/supervisor.h"

namespace stackvisor::control {

/// How one request wants its lines: `up`'s layout with the request's timestamps and colour,
/// or NDJSON objects.
struct LogLayout {
  logmux::LineFormat format;
  bool json = false;
};

/// Appends one history entry to `out` as the layout says: "NAME | line\n" exactly as `up`
/// printed it, or {"seq","service","stream","time","line"} and '\n'. `formatter` is
/// the request's (made from layout.format), reused across lines.
void AppendLogEntry(std::string& out, const LogLayout& layout, logmux::LineFormatter& formatter,
                    std::string_view name, const logmux::LogEntry& entry);

/// LogFollows owns the followed log streams. Add() subscribes a stream to the history's
/// followers; each new line of its sources is formatted and pushed as it is appended. When the
/// client goes away or is cut off (the server then ends the stream with its note), the follower
/// is unsubscribed and the stream dropped. Destroying it unsubscribes every follower. Owned by
/// the logs route; the supervisor (its history and mux) must outlive it. Loop thread only.
class LogFollows {
 public:
  explicit LogFollows(supervisor::Supervisor& supervisor) : supervisor_(supervisor) {}
  ~LogFollows();
  LogFollows(const LogFollows&) = delete;
  LogFollows& operator=(const LogFollows&) = delete;

  /// Call in the same loop turn as the Select that sent the backlog, so no line is missed or
  /// sent twice. `sources` empty: every source.
  void Add(std::unique_ptr<ResponseStream> stream, std::vector<int> sources, LogLayout layout);
  size_t size() const { return follows_.size(); }

 private:
  struct Follow {
    logmux::LogFollowers::Id id = 0;
    std::unique_ptr<ResponseStream> stream;
    LogLayout layout;
    logmux::LineFormatter formatter;
  };
  void OnLine(Follow* follow, const logmux::LogEntry& entry) noexcept;
  void OnClosed(uint64_t key) noexcept;

  supervisor::Supervisor& supervisor_;
  std::map<uint64_t, std::unique_ptr<Follow>> follows_;
  uint64_t next_key_ = 1;
};

}  // namespace stackvisor::control
