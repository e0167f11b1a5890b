#include "procs/spawn_slots.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>

namespace stackvisor::procs {

base::Result<SpawnSlots*> SpawnSlots::Instance() {
  static SpawnSlots* slots = nullptr;  // lives as long as the process, like its fd numbers
  if (slots != nullptr) return slots;
  SpawnSlots made;
  for (int& fd : made.fds_) {
    // The lowest free numbers above 2: 3..22 in a process that opened nothing else yet. Never
    // 0-2 (closed when we were started): the child dup2s onto those, and would clobber a slot.
    int opened = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    fd = opened < 0 ? -1 : ::fcntl(opened, F_DUPFD_CLOEXEC, 3);
    int err = errno;
    if (opened >= 0) ::close(opened);
    if (fd < 0) {
      for (int made_fd : made.fds_)
        if (made_fd > 0) ::close(made_fd);
      return base::Error{base::ErrnoMessage("spawn: open /dev/null for the spawn slots", err)};
    }
  }
  made.keep_below_ = *std::max_element(made.fds_.begin(), made.fds_.end()) + 1;
  slots = new SpawnSlots(made);
  return slots;
}

int SpawnSlots::Load(Slot slot, int fd) {
  if (fd < 0) fd = fds_[kNull];
  else loaded_[slot] = true;
  // dup3 replaces the slot atomically: the number is never free in between.
  while (::dup3(fd, fds_[slot], O_CLOEXEC) < 0) {
    if (errno != EINTR && errno != EBUSY) return errno;
  }
  return 0;
}

void SpawnSlots::Clear() {
  for (int slot = kStdout; slot < kCount; ++slot) {
    if (!loaded_[slot]) continue;
    Load(static_cast<Slot>(slot), -1);
    loaded_[slot] = false;
  }
}

pid_t CloneSharingFds(int (*child)(void*), void* arg) {
  // One stack, reused: the parent is suspended while the child runs on it (CLONE_VFORK), and
  // spawns come from one thread. Untouched pages cost nothing; the guard page catches overflow.
  constexpr size_t kStackSize = 1 << 20;
  static char* stack = nullptr;
  if (stack == nullptr) {
    void* mem = ::mmap(nullptr, kStackSize, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
    if (mem == MAP_FAILED) return -errno;
    ::mprotect(mem, static_cast<size_t>(::sysconf(_SC_PAGESIZE)), PROT_NONE);
    stack = static_cast<char*>(mem);
  }
  pid_t pid = ::clone(child, stack + kStackSize, CLONE_VM | CLONE_VFORK | CLONE_FILES | SIGCHLD,
                      arg);
  return pid < 0 ? -errno : pid;
}

}  // namespace stackvisor::procs
