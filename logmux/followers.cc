#include "logmux/followers.h"

#include <algorithm>
#include <utility>

namespace stackvisor::logmux {

LogFollowers::Id LogFollowers::Subscribe(std::vector<int> sources, Callback callback) {
  const Id id = next_id_++;
  followers_.push_back(std::make_unique<Follower>(Follower{id, std::move(sources), std::move(callback)}));
  return id;
}

void LogFollowers::Unsubscribe(Id id) {
  auto found = std::find_if(followers_.begin(), followers_.end(),
                            [&](const std::unique_ptr<Follower>& f) { return f->id == id; });
  if (found == followers_.end()) return;
  if (delivering_) {
    // Its callback may be the one running: destroy it once the delivery is over.
    (*found)->active = false;
    removed_while_delivering_ = true;
    return;
  }
  followers_.erase(found);
}

size_t LogFollowers::size() const {
  return static_cast<size_t>(std::count_if(followers_.begin(), followers_.end(),
                                           [](const std::unique_ptr<Follower>& f) { return f->active; }));
}

void LogFollowers::Deliver(const LogEntry& entry) {
  if (followers_.empty()) return;
  if (delivering_) {
    // The caller's bytes may not outlive this call: keep a copy for after the current line.
    Held& held = held_.emplace_back(Held{entry, std::string(entry.bytes)});
    held.entry.bytes = held.bytes;
    return;
  }
  delivering_ = true;
  DeliverToAll(entry);
  while (!held_.empty()) {
    Held held = std::move(held_.front());
    held_.pop_front();
    held.entry.bytes = held.bytes;  // the move may have relocated a short string's bytes
    DeliverToAll(held.entry);
  }
  delivering_ = false;
  if (removed_while_delivering_) RemoveInactive();
}

void LogFollowers::DeliverToAll(const LogEntry& entry) {
  // Followers subscribed by a callback start with the next line.
  const size_t count = followers_.size();
  for (size_t i = 0; i < count; ++i) {
    Follower& follower = *followers_[i];
    if (!follower.active) continue;
    if (!follower.sources.empty() &&
        std::find(follower.sources.begin(), follower.sources.end(), entry.source) == follower.sources.end()) {
      continue;
    }
    follower.callback(entry);
  }
}

void LogFollowers::RemoveInactive() {
  removed_while_delivering_ = false;
  std::erase_if(followers_, [](const std::unique_ptr<Follower>& f) { return !f->active; });
}

}  // namespace stackvisor::logmux
