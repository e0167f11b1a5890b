#pragma once
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "logmux/log_ring.h"

namespace stackvisor::logmux {

/// LogFollowers is the registry of live readers (`logs -f`): each follower subscribes to a set of
/// sources and is handed every new line of them, synchronously, from the append that stored it.
/// A callback must be quick and must not block: it copies or formats the line into the
/// follower's own bounded buffer (the follower decides when it is too far behind and cuts itself
/// off); the registry keeps nothing per follower but the callback.
///
/// Re-entrancy: a callback may Subscribe, Unsubscribe (itself or any other) and cause new lines
/// (e.g. log an event through Mux::Line). An unsubscribed follower is never called again, but its
/// callback object is destroyed only once no callback is running, so a callback may unsubscribe
/// itself. A line delivered from inside a callback is copied and delivered after the current line
/// reached every follower, so each follower sees lines in seq order and callbacks never nest.
///
/// Owned by the LogHistory; loop thread only.
class LogFollowers {
 public:
  using Callback = std::function<void(const LogEntry& entry)>;
  using Id = uint64_t;

  LogFollowers() = default;
  LogFollowers(const LogFollowers&) = delete;
  LogFollowers& operator=(const LogFollowers&) = delete;

  /// `sources` empty = every source, also sources added later. Ids are never reused.
  Id Subscribe(std::vector<int> sources, Callback callback);
  /// Unknown or already removed ids are ignored.
  void Unsubscribe(Id id);
  /// Hands the entry to every follower of entry.source.
  void Deliver(const LogEntry& entry);

  /// Followers subscribed and not removed.
  size_t size() const;
  bool empty() const { return followers_.empty(); }

 private:
  struct Follower {
    Id id;
    std::vector<int> sources;
    Callback callback;
    bool active = true;
  };
  struct Held {
    LogEntry entry;
    std::string bytes;
  };
  void DeliverToAll(const LogEntry& entry);
  void RemoveInactive();

  // unique_ptr: a callback that subscribes may grow the vector while it runs.
  std::vector<std::unique_ptr<Follower>> followers_;
  std::deque<Held> held_;  // lines appended from inside a callback, waiting their turn
  Id next_id_ = 1;
  bool delivering_ = false;
  bool removed_while_delivering_ = false;
};

}  // namespace stackvisor::logmux
