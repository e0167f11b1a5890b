#pragma once
// The sd_notify receiver (NOTIFY_SOCKET) for the whole supervisor, and the sender for
// stackvisor itself under systemd.
#include <sys/types.h>
#include <uv.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "base/result.h"
#include "base/unique_fd.h"
#include "base/uv_handle.h"

namespace stackvisor::healthcheck {

/// NotifyListener owns one AF_UNIX SOCK_DGRAM socket with SO_PASSCRED, bound to an abstract
/// address ("@stackvisor-<pid>-<random>") so that services running as another user can reach it
/// (no file permissions apply), read on the loop through a uv_poll_t. Each datagram is split on
/// '\n' into KEY=VALUE messages (a trailing newline or none; several per datagram or one per
/// datagram); the sender pid from SCM_CREDENTIALS selects the watcher. Datagrams from pids
/// nobody watches, without credentials, or too long (over 4096 bytes, systemd's limit) are
/// dropped; file descriptors passed along (FDSTORE) are closed. Created once by the supervisor
/// before any child; Watch(pid) right after spawning a notify service, Forget(pid) when it
/// exited. Callbacks may Watch/Forget but must not destroy the listener. Loop thread only.
class NotifyListener {
 public:
  using MessageCallback = std::function<void(std::string_view key, std::string_view value)>;

  /// Binds the socket; the Error says why it could not ("notify socket: bind: ...").
  static base::Result<std::unique_ptr<NotifyListener>> Create(uv_loop_t* loop);

  /// Only Create can make the key: use Create.
  class Key {
    friend class NotifyListener;
    Key() = default;
  };
  NotifyListener(Key, base::UniqueFd fd, std::string address);
  ~NotifyListener();
  NotifyListener(const NotifyListener&) = delete;
  NotifyListener& operator=(const NotifyListener&) = delete;

  /// The value for a child's NOTIFY_SOCKET: "@stackvisor-...".
  const std::string& socket_address() const { return address_; }
  void Watch(pid_t pid, MessageCallback on_message);
  void Forget(pid_t pid);
  /// Datagrams dropped so far (unknown pid, no credentials, too long); for tests and debugging.
  uint64_t dropped() const { return dropped_; }

 private:
  static void OnReadable(uv_poll_t* handle, int status, int events) noexcept;
  void ReceiveAll();
  void Dispatch(pid_t pid, std::string_view datagram);

  base::UniqueFd fd_;
  std::string address_;
  base::UvHandle<uv_poll_t> poll_;
  std::unordered_map<pid_t, MessageCallback> watchers_;
  uint64_t dropped_ = 0;
};

/// NotifySystemd sends one sd_notify message ("READY=1", "STOPPING=1") to $NOTIFY_SOCKET: an
/// "@abstract" name or a filesystem path. False when the variable is unset or the send failed.
bool NotifySystemd(std::string_view message);

}  // namespace stackvisor::healthcheck
