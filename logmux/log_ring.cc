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
  size_t offset = tail_;  // an empty line takes no room: it only has to keep the order
  if (!line.empty()) {
    offset = Place(line.size());
    std::memcpy(data_.get() + offset, line.data(), line.size());
    tail_ = offset + line.size();
    if (tail_ == capacity_) tail_ = 0;
    span_ += line.size();
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
    if (count_ == 0) head_ = tail_ = span_ = 0;
    const size_t skip = tail_ + length > capacity_ ? capacity_ - tail_ : 0;
    if (capacity_ > 0 && span_ + skip + length <= capacity_) {
      if (skip > 0) {
        span_ += skip;
        tail_ = 0;
      }
      return tail_;
    }
    if (capacity_ < limits_.max_bytes) GrowBytes(span_ + length);
    else EvictOldest();
  }
}

size_t LogRing::Advance(const Slot& done, const Slot& next) const {
  size_t end = done.offset + done.length;
  if (end == capacity_) end = 0;
  // `next` starts where `done` ends, or at 0 when it did not fit before the end.
  return next.offset == end ? done.length : done.length + (capacity_ - end);
}

void LogRing::EvictOldest() {
  const Slot& oldest = slot(0);
  bytes_ -= oldest.length;
  ++evicted_;
  if (count_ == 1) {
    count_ = 0;
    head_ = tail_;
    span_ = 0;
    return;
  }
  const Slot& next = slot(1);
  span_ -= Advance(oldest, next);
  head_ = next.offset;
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
  // Lay the held span out from offset 0 in order (skipped tails included), so every line keeps
  // its distance from the oldest one.
  if (span_ > 0) {
    const size_t first_part = std::min(span_, capacity_ - head_);
    std::memcpy(data.get(), data_.get() + head_, first_part);
    std::memcpy(data.get() + first_part, data_.get(), span_ - first_part);
  }
  size_t relative = 0;
  for (size_t i = 0; i < count_; ++i) {
    Slot& current = slots_[(first_ + i) % slot_capacity_];
    const size_t advance = i + 1 < count_ ? Advance(current, slot(i + 1)) : 0;
    current.offset = static_cast<uint32_t>(relative);
    relative += advance;
  }
  data_ = std::move(data);
  capacity_ = capacity;
  head_ = 0;
  tail_ = span_;
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
