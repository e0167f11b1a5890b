#pragma once
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

namespace stackvisor::logmux {

/// Where a line came from: a child's stdout or stderr, or stackvisor's own event (Mux::Line).
enum class Stream : uint8_t { kStdout, kStderr, kEvent };

/// One line of history as readers see it. `bytes` is the line without prefix, colour or '\n';
/// it points into the ring (or, for a follower, into the writer's buffer) and is valid only until
/// the next Append on the loop thread: format or copy it before returning to the loop.
struct LogEntry {
  int source = 0;
  Stream stream = Stream::kStdout;
  std::chrono::system_clock::time_point time;
  uint64_t seq = 0;  // increasing across all sources of one LogHistory: the emission order
  std::string_view bytes;
};

/// Bounds of one source's history; whichever is reached first evicts the oldest lines.
struct RingLimits {
  static constexpr size_t kMaxBytesLimit = size_t{1} << 30;  // a line length must fit 30 bits
  size_t max_lines = 10'000;
  size_t max_bytes = 4 << 20;  // line bytes (prefix, colour and '\n' are not stored)
};

/// LogRing is one source's bounded history: one circular byte buffer holding the lines back to
/// back, plus a circular index of 24-byte slots (time, seq, offset, length and stream). A line
/// never wraps around the end of the buffer (it is stored whole at the start instead, and the
/// skipped tail counts against the byte cap until the lines before it are evicted), so every
/// entry is one contiguous string_view.
///
/// Memory grows on demand (doubling) up to max_bytes of buffer and max_lines slots, so an idle or
/// quiet service costs almost nothing; it is never given back. A line longer than max_bytes is
/// stored cut to max_bytes (it would evict everything else anyway); truncated() counts them.
///
/// Pure: no clock (the caller passes the time), no I/O, no libuv. Owned by a LogHistory; loop
/// thread only. Seqs must be appended in increasing order; times are expected to be
/// non-decreasing (FirstSince binary-searches them; after a wall-clock step back the answer is a
/// boundary near the step).
class LogRing {
 public:
  LogRing(int source, RingLimits limits);
  LogRing(const LogRing&) = delete;
  LogRing& operator=(const LogRing&) = delete;

  void Append(Stream stream, std::chrono::system_clock::time_point time, uint64_t seq,
              std::string_view line);

  /// Lines held; entry(0) is the oldest.
  size_t size() const { return count_; }
  bool empty() const { return count_ == 0; }
  LogEntry entry(size_t index) const;

  /// Index of the first entry with seq > `seq` (size() when none).
  size_t FirstAfter(uint64_t seq) const;
  /// Index of the first entry with time >= `time` (size() when none).
  size_t FirstSince(std::chrono::system_clock::time_point time) const;

  /// Line bytes held (without the skipped tail).
  size_t bytes() const { return bytes_; }
  /// Bytes allocated for the buffer and the index.
  size_t memory() const { return capacity_ + slot_capacity_ * sizeof(Slot); }
  /// Lines evicted so far (a reader resuming after a seq can tell it missed some).
  uint64_t evicted() const { return evicted_; }
  uint64_t truncated() const { return truncated_; }
  const RingLimits& limits() const { return limits_; }

 private:
  struct Slot {
    int64_t time_ns;
    uint64_t seq;
    uint32_t offset;      // in the byte buffer
    uint32_t length : 30;
    uint32_t stream : 2;
  };
  static_assert(sizeof(Slot) == 24);

  const Slot& slot(size_t index) const {
    size_t at = first_ + index;
    if (at >= slot_capacity_) at -= slot_capacity_;
    return slots_[at];
  }
  /// Where the line of `length` bytes goes in the buffer, after growing it or evicting.
  size_t Place(size_t length);
  void EvictOldest();
  void GrowSlots();
  void GrowBytes(size_t need);
  /// Bytes from the start of `done` to the start of `next` (its length plus a skipped tail).
  size_t Advance(const Slot& done, const Slot& next) const;

  const int source_;
  const RingLimits limits_;
  std::unique_ptr<char[]> data_;
  size_t capacity_ = 0;
  // Offsets in the buffer (no division on the hot path): head_ is where the oldest line
  // starts, tail_ where the next one may start; span_ the bytes from head_ to tail_ including a
  // skipped tail.
  size_t head_ = 0;
  size_t tail_ = 0;
  size_t span_ = 0;
  size_t bytes_ = 0;
  std::unique_ptr<Slot[]> slots_;
  size_t slot_capacity_ = 0;
  size_t first_ = 0;
  size_t count_ = 0;
  uint64_t evicted_ = 0;
  uint64_t truncated_ = 0;
};

}  // namespace stackvisor::logmux
