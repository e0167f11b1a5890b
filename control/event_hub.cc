#include "control/event_hub.h"

#include <nlohmann/json.hpp>

#include "control/snapshot_json.h"

namespace stackvisor::control {
namespace {

nlohmann::json EventLine(const supervisor::ServiceSnapshot& snap) {
  return {{"type", "service"}, {"service", ServiceJson(snap, std::chrono::system_clock::now())}};
}

}  // namespace

EventHub::EventHub(supervisor::Supervisor& supervisor) : supervisor_(supervisor) {
  change_id_ = supervisor_.AddChangeCallback([this](size_t service) { OnChange(service); });
}

EventHub::~EventHub() {
  supervisor_.RemoveChangeCallback(change_id_);
  // The streams end here; their close callbacks point at this hub, so none may run later.
  for (auto& [id, stream] : streams_) stream->OnClosed(nullptr);
}

void EventHub::Add(std::unique_ptr<ResponseStream> stream) {
  if (!stream) return;
  const uint64_t id = next_id_++;
  ResponseStream* raw = stream.get();
  streams_.emplace(id, std::move(stream));
  raw->OnClosed([this, id] { OnStreamClosed(id); });
  // The current state and the subscription in one loop turn: no change can fall in between.
  fanning_out_ = true;
  for (const auto& snap : supervisor_.Snapshot()) {
    if (!raw->PushJson(EventLine(snap))) break;  // closed: raw may be gone, stop touching it
  }
  fanning_out_ = false;
  Sweep();
}

void EventHub::OnChange(size_t service) noexcept {
  if (streams_.empty()) return;
  const std::string line = EventLine(supervisor_.Snapshot(service)).dump(
                               -1, ' ', false, nlohmann::json::error_handler_t::replace) +
                           "\n";
  fanning_out_ = true;
  for (auto& [id, stream] : streams_) {
    if (stream) stream->Push(line);
  }
  fanning_out_ = false;
  Sweep();
}

void EventHub::OnStreamClosed(uint64_t id) noexcept {
  if (fanning_out_) {
    // The stream may be the one whose Push is running: erase it once the loop is over.
    closed_.push_back(id);
    return;
  }
  streams_.erase(id);
}

void EventHub::Sweep() {
  for (uint64_t id : closed_) streams_.erase(id);
  closed_.clear();
}

}  // namespace stackvisor::control
