#pragma once
#include <cstddef>
#include <cstring>
#include <memory>
#include <utility>
#include <string_view>

namespace stackvisor::logmux {

/// BatchBuffer is a growable byte buffer for formatting many lines into one contiguous write.
/// Unlike std::string it never zero-fills what it is about to overwrite, so appending a line is
/// a capacity check and two memcpy. It keeps its capacity across Clear(): one buffer, reused for
/// every chunk of every stream, costs no allocation once warm. Output's queue is one; whoever
/// owns one says which thread may touch it.
class BatchBuffer {
 public:
  /// Appends head + line + '\n'.
  void AppendLine(std::string_view head, std::string_view line) {
    const size_t need = head.size() + line.size() + 1;
    if (size_ + need > capacity_) Grow(need);
    char* out = data_.get() + size_;
    if (!head.empty()) std::memcpy(out, head.data(), head.size());
    if (!line.empty()) std::memcpy(out + head.size(), line.data(), line.size());
    out[head.size() + line.size()] = '\n';
    size_ += need;
  }

  /// Appends stamp + head + line + '\n' (the stamp is empty unless `up -t`).
  void AppendLine(std::string_view stamp, std::string_view head, std::string_view line) {
    if (stamp.empty()) return AppendLine(head, line);
    const size_t need = stamp.size() + head.size() + line.size() + 1;
    if (size_ + need > capacity_) Grow(need);
    char* out = data_.get() + size_;
    std::memcpy(out, stamp.data(), stamp.size());
    out += stamp.size();
    if (!head.empty()) std::memcpy(out, head.data(), head.size());
    if (!line.empty()) std::memcpy(out + head.size(), line.data(), line.size());
    out[head.size() + line.size()] = '\n';
    size_ += need;
  }

  void Append(std::string_view bytes) {
    if (bytes.empty()) return;
    if (size_ + bytes.size() > capacity_) Grow(bytes.size());
    std::memcpy(data_.get() + size_, bytes.data(), bytes.size());
    size_ += bytes.size();
  }

  void Swap(BatchBuffer& other) noexcept {
    std::swap(data_, other.data_);
    std::swap(size_, other.size_);
    std::swap(capacity_, other.capacity_);
  }

  std::string_view view() const { return std::string_view(data_.get(), size_); }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  size_t capacity() const { return capacity_; }
  void Clear() { size_ = 0; }

 private:
  void Grow(size_t need) {
    size_t capacity = capacity_ > 0 ? capacity_ * 2 : 64 * 1024;
    while (capacity < size_ + need) capacity *= 2;
    auto data = std::make_unique_for_overwrite<char[]>(capacity);
    if (size_ > 0) std::memcpy(data.get(), data_.get(), size_);
    data_ = std::move(data);
    capacity_ = capacity;
  }

  std::unique_ptr<char[]> data_;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

}  // namespace stackvisor::logmux
