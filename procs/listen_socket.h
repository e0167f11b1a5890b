#pragma once
#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "base/result.h"
#include "base/unique_fd.h"

namespace stackvisor::procs {

/// What a ListenSocket binds, resolved: an IP literal and port, or an absolute unix path with
/// the file's mode and (when stackvisor runs as root) its owner.
struct ListenAddress {
  enum class Kind { kTcp, kUnix };
  Kind kind = Kind::kTcp;
  std::string host;   // kTcp: an IPv4 or IPv6 literal
  uint16_t port = 0;  // kTcp
  std::string path;   // kUnix: absolute
  mode_t mode = 0600;                // kUnix
  std::optional<uid_t> owner_uid;    // kUnix: chown the file to this user (root only)
  gid_t owner_gid = 0;
  int backlog = 4096;  // the kernel caps it at net.core.somaxconn

  /// "127.0.0.1:8000", "[::1]:8000", "unix:/run/web.sock": how messages name it.
  std::string Display() const;
};

/// ListenSocket owns one listening stream socket, opened (bound and listening) by Open and
/// closed by the destructor. The fd is blocking and close-on-exec: the spawner hands it to a
/// child as fd 3.. (SpawnSpec::listen_fds), and it never accepts itself, so connections wait in
/// its backlog while no process serves it. A unix socket's file is made with the given mode and
/// owner before listen() (nobody else can connect in between); a stale file (a socket nobody
/// listens on) is replaced, anything else there is an error. The destructor removes the file
/// if it is still the one it bound. Not copyable or movable; any thread, one at a time.
class ListenSocket {
 public:
  /// Errors name the step and the address: "bind 127.0.0.1:8000: Address already in use".
  static base::Result<std::unique_ptr<ListenSocket>> Open(const ListenAddress& address);
  ~ListenSocket();
  ListenSocket(const ListenSocket&) = delete;
  ListenSocket& operator=(const ListenSocket&) = delete;

  int fd() const { return fd_.get(); }
  const ListenAddress& address() const { return address_; }

 private:
  explicit ListenSocket(const ListenAddress& address) : address_(address) {}

  ListenAddress address_;
  base::UniqueFd fd_;
  dev_t file_dev_ = 0;  // kUnix: the socket file bound, to remove only that one
  ino_t file_ino_ = 0;
};

}  // namespace stackvisor::procs
