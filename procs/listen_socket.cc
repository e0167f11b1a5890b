#include "procs/listen_socket.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace stackvisor::procs {
namespace {

base::Error Failed(const std::string& step, const ListenAddress& address, int err) {
  return base::Error{base::ErrnoMessage(step + " " + address.Display(), err)};
}

sockaddr_un UnixAddress(const std::string& path) {
  sockaddr_un sun{};
  sun.sun_family = AF_UNIX;
  std::memcpy(sun.sun_path, path.c_str(), std::min(path.size(), sizeof sun.sun_path - 1));
  return sun;
}

// A socket file from an earlier run that nobody listens on any more may go; a live one, or
// anything that is not a socket, may not. Returns an errno, or 0 when the path is free now.
int ClearStaleSocketFile(const std::string& path) {
  struct stat st {};
  if (lstat(path.c_str(), &st) != 0) return errno == ENOENT ? 0 : errno;
  if (!S_ISSOCK(st.st_mode)) return EEXIST;
  base::UniqueFd probe(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!probe.valid()) return errno;
  sockaddr_un sun = UnixAddress(path);
  if (connect(probe.get(), reinterpret_cast<sockaddr*>(&sun), sizeof sun) == 0 ||
      errno == EAGAIN)
    return EADDRINUSE;  // someone accepts (or would, once its full backlog drains)
  if (errno != ECONNREFUSED) return errno;
  if (unlink(path.c_str()) != 0 && errno != ENOENT) return errno;
  return 0;
}

}  // namespace

std::string ListenAddress::Display() const {
  if (kind == Kind::kUnix) return "unix:" + path;
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

base::Result<std::unique_ptr<ListenSocket>> ListenSocket::Open(const ListenAddress& address) {
  std::unique_ptr<ListenSocket> owner(new ListenSocket(address));
  if (address.kind == ListenAddress::Kind::kUnix) {
    if (int err = ClearStaleSocketFile(address.path); err != 0) {
      if (err == EEXIST)
        return base::Error{"bind " + address.Display() + ": the path exists and is not a socket"};
      return Failed("bind", address, err);
    }
    owner->fd_.Reset(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!owner->fd_.valid()) return Failed("socket for", address, errno);
    sockaddr_un sun = UnixAddress(address.path);
    // The file is born with mode 0600 at most, then gets its owner and mode before listen():
    // until then a connect is refused, so nobody else gets in. (umask is process-wide: a file
    // another thread creates meanwhile can only come out more private.)
    const mode_t previous = umask(0177);
    const int bound = bind(owner->fd_.get(), reinterpret_cast<sockaddr*>(&sun), sizeof sun);
    const int bind_errno = errno;
    umask(previous);
    if (bound != 0) return Failed("bind", address, bind_errno);
    struct stat st {};
    if (lstat(address.path.c_str(), &st) != 0) return Failed("stat", address, errno);
    owner->file_dev_ = st.st_dev;
    owner->file_ino_ = st.st_ino;
    if (address.owner_uid &&
        chown(address.path.c_str(), *address.owner_uid, address.owner_gid) != 0)
      return Failed("chown", address, errno);
    if (chmod(address.path.c_str(), address.mode) != 0) return Failed("chmod", address, errno);
  } else {
    const bool v6 = address.host.find(':') != std::string::npos;
    owner->fd_.Reset(socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!owner->fd_.valid()) return Failed("socket for", address, errno);
    // Connections of the last run still in TIME_WAIT must not keep the next `up` off its port.
    const int one = 1;
    setsockopt(owner->fd_.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_storage storage{};
    socklen_t length = 0;
    if (v6) {
      auto* sin6 = reinterpret_cast<sockaddr_in6*>(&storage);
      sin6->sin6_family = AF_INET6;
      sin6->sin6_port = htons(address.port);
      if (inet_pton(AF_INET6, address.host.c_str(), &sin6->sin6_addr) != 1)
        return Failed("parse", address, EINVAL);
      length = sizeof *sin6;
    } else {
      auto* sin = reinterpret_cast<sockaddr_in*>(&storage);
      sin->sin_family = AF_INET;
      sin->sin_port = htons(address.port);
      if (inet_pton(AF_INET, address.host.c_str(), &sin->sin_addr) != 1)
        return Failed("parse", address, EINVAL);
      length = sizeof *sin;
    }
    if (bind(owner->fd_.get(), reinterpret_cast<sockaddr*>(&storage), length) != 0)
      return Failed("bind", address, errno);
  }
  if (listen(owner->fd_.get(), address.backlog) != 0) return Failed("listen on", address, errno);
  return owner;
}

ListenSocket::~ListenSocket() {
  if (address_.kind != ListenAddress::Kind::kUnix || file_ino_ == 0) return;
  // Only our own file: another process may have replaced it since.
  struct stat st {};
  if (lstat(address_.path.c_str(), &st) == 0 && st.st_dev == file_dev_ &&
      st.st_ino == file_ino_)
    unlink(address_.path.c_str());
}

}  // namespace stackvisor::procs
