#pragma once
#include <sys/types.h>

#include <array>

#include "base/result.h"
#include "procs/spawn_spec.h"

namespace stackvisor::procs {

/// SpawnSlots are a few fd numbers at the bottom of stackvisor's fd table through which a child
/// receives the fds it keeps. A child made with CloneSharingFds starts on our fd table and
/// keeps a private copy of only the fds below keep_below(): with 9,000 services stackvisor holds
/// ~18,000 pipe ends, and copying (at fork) then closing (at exec) all of them in every child
/// made starting n services O(n^2) kernel work. Each slot holds /dev/null when idle, so the
/// numbers are never free for anyone else's open(). Process-wide, made on the first Instance()
/// call (Spawn's first), while the table is still small; used by the loop thread only.
class SpawnSlots {
 public:
  enum Slot : int {
    kNull = 0,
    kStdout,
    kStderr,
    kCgroup,
    kListen0,  // kListen0 + i: the i-th listening socket (procs::kMaxListenFds of them)
    kCount = kListen0 + static_cast<int>(kMaxListenFds),
  };

  /// The slots, opened on the first call; an error names the step ("open /dev/null").
  static base::Result<SpawnSlots*> Instance();

  int fd(Slot slot) const { return fds_[slot]; }
  /// Every slot is below this number.
  int keep_below() const { return keep_below_; }

  /// Puts `fd` onto `slot` (a dup, close-on-exec), -1 meaning /dev/null. Returns an errno, or 0.
  int Load(Slot slot, int fd);
  /// Puts /dev/null back on every slot loaded since the last Clear: no pipe end of a child
  /// stays open in stackvisor.
  void Clear();

 private:
  SpawnSlots() = default;
  std::array<int, kCount> fds_{};
  std::array<bool, kCount> loaded_{};
  int keep_below_ = 0;
};

/// CloneSharingFds runs child(arg) in a new process that shares our memory and fd table, with
/// clone(CLONE_VM | CLONE_VFORK | CLONE_FILES): the calling thread waits until the child has
/// exec'd or exited, and nothing is copied. The child must first unshare its fd table (see
/// SpawnSlots) before it touches any fd, and use only async-signal-safe calls. Returns the pid,
/// or -errno when clone failed. Loop thread only: it runs on one reused stack.
pid_t CloneSharingFds(int (*child)(void*), void* arg);

}  // namespace stackvisor::procs
