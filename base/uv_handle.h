#pragma once
// RAII over libuv handles. libuv keeps the handle's address until uv_close's callback has run,
// so the memory is heap-allocated, never moved, and freed only from that callback.
#include <uv.h>

#include <utility>

namespace stackvisor::base {

/// UvHandle<T> owns one libuv handle of type T (uv_timer_t, uv_pipe_t, ...). The owner object
/// is neither copyable nor movable; destroying it closes the handle, and the memory is released
/// once the loop runs the close callback. handle->data points at whatever the owner set.
template <typename T>
class UvHandle {
 public:
  UvHandle() : handle_(new T{}) {}
  UvHandle(const UvHandle&) = delete;
  UvHandle& operator=(const UvHandle&) = delete;
  ~UvHandle() { Close(); }

  T* get() const { return handle_; }
  T* operator->() const { return handle_; }
  uv_handle_t* raw() const { return reinterpret_cast<uv_handle_t*>(handle_); }
  uv_loop_t* loop() const { return raw()->loop; }

  // Marks the handle as initialised; only initialised handles are handed to uv_close.
  void MarkInitialized() { initialized_ = true; }
  bool initialized() const { return initialized_; }

  void Close() {
    if (handle_ == nullptr) return;
    T* h = std::exchange(handle_, nullptr);
    if (!initialized_) {
      delete h;
      return;
    }
    auto* raw_handle = reinterpret_cast<uv_handle_t*>(h);
    raw_handle->data = nullptr;
    if (uv_is_closing(raw_handle)) return;  // someone else owns the close; cannot happen here
    uv_close(raw_handle, [](uv_handle_t* closed) { delete reinterpret_cast<T*>(closed); });
  }

 private:
  T* handle_;
  bool initialized_ = false;
};

}  // namespace stackvisor::base
