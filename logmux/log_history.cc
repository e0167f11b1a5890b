#include "logmux/log_history.h"

#include <algorithm>

namespace stackvisor::logmux {

LogHistory::LogHistory(RingLimits limits) : limits_(limits) {}

uint64_t LogHistory::Append(int source, Stream stream, std::chrono::system_clock::time_point time,
                            std::string_view line) {
  const size_t index = static_cast<size_t>(source);
  if (index >= rings_.size()) rings_.resize(index + 1);
  if (!rings_[index]) rings_[index] = std::make_unique<LogRing>(source, limits_);
  const uint64_t seq = ++seq_;
  rings_[index]->Append(stream, time, seq, line);
  // The caller's bytes, not the ring's: a line longer than the cap reaches followers whole.
  if (!followers_.empty()) followers_.Deliver(LogEntry{source, stream, time, seq, line});
  return seq;
}

const LogRing* LogHistory::ring(int source) const {
  const size_t index = static_cast<size_t>(source);
  return source >= 0 && index < rings_.size() ? rings_[index].get() : nullptr;
}

size_t LogHistory::memory() const {
  size_t total = 0;
  for (const auto& ring : rings_) total += ring ? ring->memory() : 0;
  return total;
}

std::vector<LogEntry> LogHistory::Select(const LogQuery& query) const {
  struct Cursor {
    const LogRing* ring;
    size_t next;
  };
  std::vector<Cursor> cursors;
  size_t total = 0;
  auto add = [&](const LogRing* ring) {
    if (ring == nullptr) return;
    size_t start = 0;
    if (query.tail) start = ring->size() - std::min(ring->size(), *query.tail);
    if (query.since) start = std::max(start, ring->FirstSince(*query.since));
    if (query.after) start = std::max(start, ring->FirstAfter(*query.after));
    if (start >= ring->size()) return;
    cursors.push_back(Cursor{ring, start});
    total += ring->size() - start;
  };
  if (query.sources.empty()) {
    for (const auto& ring : rings_) add(ring.get());
  } else {
    std::vector<int> sources = query.sources;
    std::sort(sources.begin(), sources.end());
    sources.erase(std::unique(sources.begin(), sources.end()), sources.end());
    for (int source : sources) add(ring(source));
  }

  // A merge by seq over a handful of sources: a linear pick per line beats a heap.
  std::vector<LogEntry> merged;
  merged.reserve(total);
  while (!cursors.empty()) {
    size_t best = 0;
    uint64_t best_seq = cursors[0].ring->entry(cursors[0].next).seq;
    for (size_t i = 1; i < cursors.size(); ++i) {
      const uint64_t seq = cursors[i].ring->entry(cursors[i].next).seq;
      if (seq < best_seq) {
        best = i;
        best_seq = seq;
      }
    }
    Cursor& cursor = cursors[best];
    merged.push_back(cursor.ring->entry(cursor.next));
    if (++cursor.next == cursor.ring->size()) cursors.erase(cursors.begin() + static_cast<std::ptrdiff_t>(best));
  }
  return merged;
}

}  // namespace stackvisor::logmux
