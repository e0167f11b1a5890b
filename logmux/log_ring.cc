#include "logmux/log_ring.h"

#include <algorithm>
#include <cstring>

namespace stackvisor::logmux {
namespace {

constexpr size_t kMinBytes = 4096;
constexpr size_t kMinSlots = 64;

int64_t ToNanos(std::chrono::system_clock::time_point time) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(time.time_since_epoch()).count();
}

/// First index in [0, size) for which `before(index)` is false; `before` must be true on a prefix.
template <typename Before>
size_t PartitionPoint(size_t size, Before&& before) {
  size_t low = 0;
  size_t high = size;
  while (low < high) {
    const size_t mid = low + (high - low) / 2;
    if (before(mid)) low = mid + 1;
    else high = mid;
  }
  return low;
}

RingLimits Clamped(RingLimits limits) {
  limits.max_bytes = std::min(limits.max_bytes, RingLimits::kMaxBytesLimit);
  return limits;
}

}  // namespace

LogRing::LogRing(int source, RingLimits limits) : source_(source), limits_(Clamped(limits)) {}

void LogRing::Append(Stream stream, std::chrono::system_clock::time_point time, uint64_t seq,
                     std::string_view line) {
  if (limits_.max_lines == 0 || limits_.max_bytes == 0) return;
  if (line.size() > limits_.max_bytes) {
    line = line.substr(0, limits_.max_bytes);
    ++truncated_;
  }
  if (count_ == limits_.max_lines) EvictOldest();
  if (count_ == slot_capacity_) GrowSlots();
  size_t offset;
  if (line.empty()) {
    // Takes no room; its offset only has to keep the positions of its neighbours derivable.
    offset = capacity_ > 0 ? static_cast<size_t>(tail_ % capacity_) : 0;
  } else {
    offset = Place(line.size());
    std::memcpy(data_.get() + offset, line.data(), line.size());
    tail_ += line.size();
    bytes_ += line.size();
  }
  size_t at = first_ + count_;
  if (at >= slot_capacity_) at -= slot_capacity_;
  slots_[at] = Slot{ToNanos(time), seq, static_cast<uint32_t>(offset), static_cast<uint32_t>(line.size()),
                    static_cast<uint32_t>(stream)};
  ++count_;
}

size_t LogRing::Place(size_t length) {
  for (;;) {
    // With nothing held, start again at offset 0: no line is left to keep in place.
    if (count_ == 0) head_ = tail_ = 0;
    if (capacity_ > 0) {
      const size_t at = static_cast<size_t>(tail_ % capacity_);
      const size_t skip = at + length > capacity_ ? capacity_ - at : 0;
      if (tail_ + skip + length - head_ <= capacity_) {
        tail_ += skip;
        return static_cast<size_t>(tail_ % capacity_);
      }
    }
    if (capacity_ < limits_.max_bytes) GrowBytes(static_cast<size_t>(tail_ - head_) + length);
    else EvictOldest();
  }
}

uint64_t LogRing::NextStart(uint64_t start, const Slot& done, const Slot& next) const {
  const uint64_t end = start + done.length;
  if (capacity_ == 0) return end;
  const size_t end_at = static_cast<size_t>(end % capacity_);
  // The gap is the tail skipped because `next` did not fit before the end: less than capacity_.
  return end + (next.offset + capacity_ - end_at) % capacity_;
}

void LogRing::EvictOldest() {
  const Slot& oldest = slot(0);
  bytes_ -= oldest.length;
  ++evicted_;
  if (count_ == 1) {
    count_ = 0;
    head_ = tail_;
    return;
  }
  head_ = NextStart(head_, oldest, slot(1));
  if (++first_ == slot_capacity_) first_ = 0;
  --count_;
}

void LogRing::GrowSlots() {
  const size_t capacity = std::min(limits_.max_lines, std::max(slot_capacity_ * 2, kMinSlots));
  auto slots = std::make_unique_for_overwrite<Slot[]>(capacity);
  for (size_t i = 0; i < count_; ++i) slots[i] = slot(i);
  slots_ = std::move(slots);
  slot_capacity_ = capacity;
  first_ = 0;
}

void LogRing::GrowBytes(size_t need) {
  const size_t capacity = std::min(limits_.max_bytes, std::max({need, capacity_ * 2, kMinBytes}));
  auto data = std::make_unique_for_overwrite<char[]>(capacity);
  // Lay the held span out from offset 0 in order (gaps included), so every line keeps its
  // distance from the oldest one and the offsets stay derivable.
  const uint64_t span = tail_ - head_;
  if (span > 0) {
    const size_t at = static_cast<size_t>(head_ % capacity_);
    const size_t first_part = std::min(static_cast<size_t>(span), capacity_ - at);
    std::memcpy(data.get(), data_.get() + at, first_part);
    std::memcpy(data.get() + first_part, data_.get(), static_cast<size_t>(span) - first_part);
  }
  uint64_t start = head_;
  for (size_t i = 0; i < count_; ++i) {
    Slot& current = slots_[(first_ + i) % slot_capacity_];
    const uint64_t next = i + 1 < count_ ? NextStart(start, current, slot(i + 1)) : 0;
    current.offset = static_cast<uint32_t>(start - head_);
    start = next;
  }
  data_ = std::move(data);
  capacity_ = capacity;
  tail_ = span;
  head_ = 0;
}

LogEntry LogRing::entry(size_t index) const {
  const Slot& s = slot(index);
  const auto since_epoch = std::chrono::duration_cast<std::chrono::system_clock::duration>(
      std::chrono::nanoseconds(s.time_ns));
  return LogEntry{source_, static_cast<Stream>(s.stream), std::chrono::system_clock::time_point(since_epoch),
                  s.seq, s.length > 0 ? std::string_view(data_.get() + s.offset, s.length) : std::string_view()};
}

size_t LogRing::FirstAfter(uint64_t seq) const {
  return PartitionPoint(count_, [&](size_t i) { return slot(i).seq <= seq; });
}

size_t LogRing::FirstSince(std::chrono::system_clock::time_point time) const {
  const int64_t nanos = ToNanos(time);
  return PartitionPoint(count_, [&](size_t i) { return slot(i).time_ns < nanos; });
}

}  // namespace stackvisor::logmux
