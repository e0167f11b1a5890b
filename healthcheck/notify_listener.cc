#include "healthcheck/notify_listener.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>

namespace stackvisor::healthcheck {
namespace {

// systemd's NOTIFY_BUFFER_MAX: a longer datagram is not a valid notification.
constexpr size_t kMaxDatagram = 4096;
// Bounds one wakeup's work, so a chatty child cannot hold the loop; the poll fires again.
constexpr int kMaxDatagramsPerWakeup = 64;
constexpr int kMaxPassedFds = 64;

std::string RandomSuffix() {
  std::random_device device;
  uint64_t value = (static_cast<uint64_t>(device()) << 32) | device();
  char text[17];
  std::snprintf(text, sizeof(text), "%016llx", static_cast<unsigned long long>(value));
  return text;
}

// Fills addr for "@abstract" or "/path"; gives the address length, or 0 if it does not fit.
socklen_t MakeAddress(std::string_view name, sockaddr_un* addr) {
  *addr = sockaddr_un{};
  addr->sun_family = AF_UNIX;
  if (name.empty() || name.size() >= sizeof(addr->sun_path)) return 0;
  std::memcpy(addr->sun_path, name.data(), name.size());
  if (name.front() == '@') {
    addr->sun_path[0] = '\0';  // abstract: the length, not a NUL, ends the name
    return static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size());
  }
  return static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size() + 1);
}

}  // namespace

base::Result<std::unique_ptr<NotifyListener>> NotifyListener::Create(uv_loop_t* loop) {
  base::UniqueFd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd.valid()) return base::Error{base::ErrnoMessage("notify socket: socket", errno)};
  int one = 1;
  if (::setsockopt(fd.get(), SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) != 0) {
    return base::Error{base::ErrnoMessage("notify socket: SO_PASSCRED", errno)};
  }
  std::string address;
  for (int attempt = 0;; ++attempt) {
    address = "@stackvisor-" + std::to_string(::getpid()) + "-" + RandomSuffix();
    sockaddr_un addr;
    socklen_t len = MakeAddress(address, &addr);
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), len) == 0) break;
    if (errno != EADDRINUSE || attempt == 8) {
      return base::Error{base::ErrnoMessage("notify socket: bind " + address, errno)};
    }
  }
  auto listener = std::make_unique<NotifyListener>(Key(), std::move(fd), std::move(address));
  int rc = uv_poll_init(loop, listener->poll_.get(), listener->fd_.get());
  if (rc != 0) return base::Error{std::string("notify socket: poll: ") + uv_strerror(rc)};
  listener->poll_.MarkInitialized();
  listener->poll_->data = listener.get();
  rc = uv_poll_start(listener->poll_.get(), UV_READABLE, &NotifyListener::OnReadable);
  if (rc != 0) return base::Error{std::string("notify socket: poll: ") + uv_strerror(rc)};
  return listener;
}

NotifyListener::NotifyListener(Key, base::UniqueFd fd, std::string address)
    : fd_(std::move(fd)), address_(std::move(address)) {}

// poll_ is declared after fd_, so uv_close (which stops polling at once) runs before the fd
// closes.
NotifyListener::~NotifyListener() = default;

void NotifyListener::Watch(pid_t pid, MessageCallback on_message) {
  watchers_[pid] = std::move(on_message);
}

void NotifyListener::Forget(pid_t pid) { watchers_.erase(pid); }

void NotifyListener::OnReadable(uv_poll_t* handle, int status, int) noexcept {
  auto* self = static_cast<NotifyListener*>(handle->data);
  if (self == nullptr || status != 0) return;
  self->ReceiveAll();
}

void NotifyListener::ReceiveAll() {
  char data[kMaxDatagram + 1];
  union {
    cmsghdr align;
    char bytes[CMSG_SPACE(sizeof(ucred)) + CMSG_SPACE(sizeof(int) * kMaxPassedFds)];
  } control;
  for (int i = 0; i < kMaxDatagramsPerWakeup; ++i) {
    iovec iov{data, sizeof(data)};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.bytes;
    msg.msg_controllen = sizeof(control.bytes);
    ssize_t n = ::recvmsg(fd_.get(), &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC | MSG_TRUNC);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;  // EAGAIN: drained
    }
    bool have_creds = false;
    ucred creds{};
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level != SOL_SOCKET) continue;
      if (c->cmsg_type == SCM_CREDENTIALS && c->cmsg_len == CMSG_LEN(sizeof(ucred))) {
        std::memcpy(&creds, CMSG_DATA(c), sizeof(creds));
        have_creds = true;
      } else if (c->cmsg_type == SCM_RIGHTS) {
        size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t k = 0; k < count; ++k) {
          int passed;
          std::memcpy(&passed, CMSG_DATA(c) + k * sizeof(int), sizeof(int));
          ::close(passed);
        }
      }
    }
    if (!have_creds || (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) != 0 ||
        static_cast<size_t>(n) > kMaxDatagram) {
      ++dropped_;
      continue;
    }
    Dispatch(creds.pid, std::string_view(data, static_cast<size_t>(n)));
  }
}

void NotifyListener::Dispatch(pid_t pid, std::string_view datagram) {
  auto it = watchers_.find(pid);
  if (it == watchers_.end()) {
    ++dropped_;
    return;
  }
  // A copy: the callback may Forget this pid (destroying the stored function) or Watch others.
  MessageCallback callback = it->second;
  while (!datagram.empty()) {
    size_t eol = datagram.find('\n');
    std::string_view line = datagram.substr(0, eol);
    datagram = eol == std::string_view::npos ? std::string_view() : datagram.substr(eol + 1);
    size_t eq = line.find('=');
    if (line.empty() || eq == std::string_view::npos || eq == 0) continue;
    if (watchers_.find(pid) == watchers_.end()) return;  // forgotten by an earlier message
    callback(line.substr(0, eq), line.substr(eq + 1));
  }
}

bool NotifySystemd(std::string_view message) {
  const char* name = std::getenv("NOTIFY_SOCKET");
  if (name == nullptr || (name[0] != '@' && name[0] != '/')) return false;
  sockaddr_un addr;
  socklen_t len = MakeAddress(name, &addr);
  if (len == 0) return false;
  base::UniqueFd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return false;
  ssize_t sent = ::sendto(fd.get(), message.data(), message.size(), MSG_NOSIGNAL,
                          reinterpret_cast<sockaddr*>(&addr), len);
  return sent == static_cast<ssize_t>(message.size());
}

}  // namespace stackvisor::healthcheck
