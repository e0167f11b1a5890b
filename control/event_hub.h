#pragma once
// The /v1/events fan-out: every service change to every open event stream.
#include <cstdint>
#include <map>
#include <memory>

#include "control/reply.h"
#include "supervisor/supervisor.h"

namespace stackvisor::control {

/// EventHub owns the open event streams. It adds a change callback to the supervisor when made
/// (and removes it when destroyed); each change becomes one {"type":"service","service":{...}}
/// line, built once and pushed to every stream. A stream whose client went away or was cut off
/// (its queue passed the stream cap) is dropped, also while a change is being fanned out, so
/// clients leaving mid-stream never disturb the others or the supervisor. Owned by the events
/// route; the supervisor must outlive it. Loop thread only.
class EventHub {
 public:
  explicit EventHub(supervisor::Supervisor& supervisor);
  ~EventHub();
  EventHub(const EventHub&) = delete;
  EventHub& operator=(const EventHub&) = delete;

  /// Sends one line per service with its current state, then keeps the stream for changes.
  void Add(std::unique_ptr<ResponseStream> stream);
  size_t size() const { return streams_.size(); }

 private:
  void OnChange(size_t service) noexcept;
  void OnStreamClosed(uint64_t id) noexcept;
  void Sweep();

  supervisor::Supervisor& supervisor_;
  std::map<uint64_t, std::unique_ptr<ResponseStream>> streams_;
  uint64_t next_id_ = 1;
  uint64_t change_id_ = 0;  // the supervisor's id for OnChange
  bool fanning_out_ = false;  // streams closed meanwhile are erased after the loop
  std::vector<uint64_t> closed_;
};

}  // namespace stackvisor::control
