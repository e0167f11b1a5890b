#pragma once
// `logs -f`: the open log streams, each a LogHistory follower.
#include <cstdint>
#include <map>
#include <memory>
#include <vector>

#include "base/next_turn.h"
#include "base/timer.h"
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

/// LogFollows owns the followed log streams. Add() sends the backlog and subscribes the stream
/// to the history's followers; each new line of its sources is formatted into the follow's
/// pending text, and what a loop turn appended goes out as one chunk on the next turn
/// (NextTurn): a pipe read of a thousand short lines costs each follower one write, not a
/// thousand, which is what 4 followers of a fast writer otherwise take from `up`'s own log
/// path (bench/py/api_load.py). A backlog larger than one slice (more than a stream may queue
/// at once) is paced: one slice per timer tick, new lines queued behind it, so a `logs -f` of a long history is
/// not cut off for the size of what it asked for; only a client that falls behind the pace is.
/// When the client goes away or is cut off (the server then ends the stream with its note), the
/// follower is unsubscribed and the stream dropped. The timer runs only while a backlog is
/// being paced. Destroying it unsubscribes every follower. Owned by the logs route; the
/// supervisor (its history, mux and loop) must outlive it. Loop thread only.
class LogFollows {
 public:
  explicit LogFollows(supervisor::Supervisor& supervisor)
      : supervisor_(supervisor), pace_(supervisor.loop()),
        flush_(supervisor.loop(), [this] { Flush(); }) {}
  ~LogFollows();
  LogFollows(const LogFollows&) = delete;
  LogFollows& operator=(const LogFollows&) = delete;

  /// `backlog` is the formatted answer of a Select made in this same loop turn, so no line is
  /// missed or sent twice. `sources` empty: every source.
  void Add(std::unique_ptr<ResponseStream> stream, std::vector<int> sources, LogLayout layout,
           std::string backlog);
  size_t size() const { return follows_.size(); }
  /// Sends every follow's pending live lines now (the stack is finishing and the server is
  /// about to close its connections: the last event lines still reach the followers).
  void Flush() noexcept;

  static constexpr size_t kSlice = 256 * 1024;  // a quarter of the stream cap (limits.h)
  static constexpr size_t kMaxPending = 64 << 20;

 private:
  struct Follow {
    logmux::LogFollowers::Id id = 0;
    std::unique_ptr<ResponseStream> stream;
    LogLayout layout;
    logmux::LineFormatter formatter;
    std::string pending;  // paced backlog, then the lines that came meanwhile
    bool paced = false;   // `pending` starts with a backlog sent a slice per pace tick
  };
  void OnLine(Follow* follow, const logmux::LogEntry& entry) noexcept;
  void OnClosed(uint64_t key) noexcept;
  void OnPace() noexcept;
  /// Pushes the next slice of the follow's pending text; false when the stream closed (and
  /// the follow is gone).
  bool PushSlice(Follow* follow);

  supervisor::Supervisor& supervisor_;
  base::Timer pace_;
  base::NextTurn flush_;
  std::map<uint64_t, std::unique_ptr<Follow>> follows_;
  uint64_t next_key_ = 1;
};

}  // namespace stackvisor::control
