#pragma once
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "logmux/followers.h"
#include "logmux/log_ring.h"

namespace stackvisor::logmux {

/// What `logs` asks for. Every bound given applies (as with compose, `tail` counts per source).
struct LogQuery {
  std::vector<int> sources = {};  // empty = every source
  std::optional<size_t> tail = std::nullopt;
  std::optional<std::chrono::system_clock::time_point> since = std::nullopt;  // time >= since
  std::optional<uint64_t> after = std::nullopt;  // seq > after: resume a follower
};

/// LogHistory is what `stackvisor logs` reads: one LogRing per source (created on its first
/// line, all with the same limits), the seq counter that orders lines across sources, and the
/// LogFollowers that get each line as it is appended.
///
/// The Mux appends every line it emits (see Mux::SetHistory); the control API reads with Select
/// and follows with followers(). Select then Subscribe in the same loop turn (nothing can be
/// appended in between) gives a follower every line exactly once; a follower that fell behind
/// resumes with Select({.after = last seq it sent}).
///
/// Owned by the supervisor next to the Mux, outliving it; loop thread only. Pure (no clock, no
/// I/O): the appender passes the time.
class LogHistory {
 public:
  explicit LogHistory(RingLimits limits = {});
  LogHistory(const LogHistory&) = delete;
  LogHistory& operator=(const LogHistory&) = delete;

  /// Stores the line (bytes without '\n') and delivers it to the followers of `source`.
  /// Returns its seq (1, 2, 3, ...).
  uint64_t Append(int source, Stream stream, std::chrono::system_clock::time_point time,
                  std::string_view line);

  /// Lines matching the query, oldest first, merged across sources by seq. The views are valid
  /// until the next Append.
  std::vector<LogEntry> Select(const LogQuery& query) const;

  LogFollowers& followers() { return followers_; }
  /// Null while the source has had no line.
  const LogRing* ring(int source) const;
  /// Seq of the newest line (0 before the first).
  uint64_t last_seq() const { return seq_; }
  const RingLimits& limits() const { return limits_; }
  /// Bytes allocated by all rings.
  size_t memory() const;

 private:
  RingLimits limits_;
  std::vector<std::unique_ptr<LogRing>> rings_;  // by source id
  uint64_t seq_ = 0;
  LogFollowers followers_;
};

}  // namespace stackvisor::logmux
