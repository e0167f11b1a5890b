// Starts children: everything the child does between clone and exec, the exec included, is in
// ChildSetup::RunAndExec, using only async-signal-safe calls on data prepared before the clone,
// and a failing step is reported back through memory the child shares with us.
//
// Boost.Process (the design's spawner library) was used here until it measured as the
// bottleneck: its vfork copies stackvisor's whole fd table into every child, and the child then
// closes every entry at exec, so starting 9,000 services (18,000 pipe ends) spent ~75 % of its
// time in the kernel's dup_fd and do_close_on_exec. Boost offers no way to pass clone flags, so
// the launch is our own: clone with CLONE_FILES, and the child unshares only the few low fds it
// needs (procs/spawn_slots.h). On a kernel without CLOSE_RANGE_UNSHARE (before 5.9) the child
// unshares the whole table instead, which is exactly the copy vfork made.
#include "procs/spawner.h"

#include <fcntl.h>
#include <grp.h>
#include <linux/close_range.h>
#include <pthread.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <mutex>

#include "procs/child_code.h"
#include "procs/container_setup.h"
#include "procs/file_limit.h"
#include "procs/listen_env.h"
#include "procs/spawn_slots.h"


namespace stackvisor::procs {
namespace {

/// ChildSetup holds everything the cloned child needs, built in the parent, and runs the
/// async-signal-safe setup between clone and exec, then execs. A failing step is recorded here:
/// the child writes into the parent's memory (CLONE_VM), and the parent reads
/// `failed_step`/`failed_errno` once clone has returned (CLONE_VFORK: after exec or exit).
/// Every step's description is formatted in the parent, because the child may not allocate.
/// The fds it names are SpawnSlots, the only fds below `keep_below`.
struct ChildSetup {
  std::string exe;
  std::vector<std::string> argv_storage;
  std::vector<char*> argv;
  std::vector<char*> envp;
  const char* working_dir = nullptr;
  const Credentials* credentials = nullptr;
  const rlimit* file_limit = nullptr;  // the soft limit stackvisor itself was started with
  int keep_below = 0;
  int null_fd = -1;
  int stdout_fd = -1;
  int stderr_fd = -1;
  int cgroup_procs_fd = -1;
  ContainerSetup* container = nullptr;  // a private mount namespace, or none
  // Socket activation: the slots holding the listening sockets, in order (they become 3, 4,
  // ...), and the LISTEN_PID= entry of envp, whose digits the child writes (only it knows its
  // pid: the pid of the exec'd process, which is what LISTEN_PID must name).
  int listen_slot_fds[kMaxListenFds] = {};
  int listen_count = 0;
  char listen_pid_entry[32] = {};
  pid_t parent = 0;
  std::string chdir_step, setgroups_step, setgid_step, setuid_step, exec_step;

  // Written by the child only; volatile because it is written behind clone's back (CLONE_VM).
  const char* volatile failed_step = nullptr;
  volatile int failed_errno = 0;

  // Returns only on failure, with failed_step and failed_errno set.
  STACKVISOR_CHILD_CODE void RunAndExec() {
    // Before any fd is touched: we still share stackvisor's fd table (CLONE_FILES). Keep a
    // private copy of the fds below keep_below only; the kernel copies nothing else.
    if (close_range(keep_below, ~0U, CLOSE_RANGE_UNSHARE) != 0 && unshare(CLONE_FILES) != 0)
      return Fail("unshare the fd table");
    // Dispositions next, while every signal is still blocked (Spawn blocks them around
    // clone): a handler of ours must never run in the child, which shares our memory.
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; ++sig) {
      if (sig == SIGKILL || sig == SIGSTOP) continue;
      sigaction(sig, &dfl, nullptr);  // fails harmlessly for the glibc-reserved signals
    }
    sigset_t empty;
    sigemptyset(&empty);
    if (sigprocmask(SIG_SETMASK, &empty, nullptr) != 0) return Fail("sigprocmask");
    // Before the credentials drop: an unprivileged uid may not move itself into the cgroup.
    if (cgroup_procs_fd >= 0 && write(cgroup_procs_fd, "0", 1) != 1)
      return Fail("write cgroup.procs");
    // Own session: a terminal's Ctrl-C reaches stackvisor only, and the group can be signalled.
    if (setsid() < 0) return Fail("setsid");
    if (dup2(null_fd, 0) < 0) return Fail("dup2 stdin");
    if (dup2(stdout_fd, 1) < 0) return Fail("dup2 stdout");
    if (dup2(stderr_fd, 2) < 0) return Fail("dup2 stderr");
    if (listen_count > 0 && !PassListenFds()) return;
    if (file_limit != nullptr && setrlimit(RLIMIT_NOFILE, file_limit) != 0)
      return Fail("setrlimit RLIMIT_NOFILE");
    // Before the credentials drop, which would take the capabilities mount(2) needs.
    if (container != nullptr) {
      container->Enter();
      if (container->failed_step() != nullptr) return Fail(container->failed_step());
    }
    if (credentials != nullptr) {
      // A service may reopen its output by name (/dev/stderr: nginx-unprivileged's error.log
      // link), which checks the pipe's owner and mode (ours, 0600): give our pipes to the user
      // it becomes, so that open works as in a container. Best effort: a failure changes nothing.
      for (int fd : {1, 2}) {
        struct stat st {};
        if (fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode) && st.st_uid != credentials->uid)
          (void)!fchown(fd, credentials->uid, credentials->gid);
      }
      if (setgroups(credentials->groups.size(), credentials->groups.data()) != 0)
        return Fail(setgroups_step.c_str());
      if (setgid(credentials->gid) != 0) return Fail(setgid_step.c_str());
      if (setuid(credentials->uid) != 0) return Fail(setuid_step.c_str());
    }
    if (working_dir != nullptr && chdir(working_dir) != 0) return Fail(chdir_step.c_str());
    // After the uid change: changing credentials clears the parent-death signal.
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) return Fail("prctl PR_SET_PDEATHSIG");
    if (getppid() != parent) _exit(1);  // stackvisor died before prctl took effect
    // The slots (and fds that sat below them) go too, all but the listening sockets now at
    // 3..3+listen_count-1. CLOEXEC rather than close: the kernel closes them at execve, and
    // only if it succeeds.
    const unsigned first_closed = 3U + static_cast<unsigned>(listen_count);
    if (close_range(first_closed, ~0U, CLOSE_RANGE_CLOEXEC) != 0) {
      for (int fd = static_cast<int>(first_closed); fd < 65536; ++fd)
        fcntl(fd, F_SETFD, FD_CLOEXEC);
    }
    // Our argv (argv[0] as the user wrote it) and environment.
    if (container != nullptr) {
      // argv[0] is looked up inside the new root, where the parent cannot look.
      container->Exec(argv.data(), envp.data());
      return Fail(container->failed_step());
    }
    execve(exe.c_str(), argv.data(), envp.data());
    Fail(exec_step.c_str());
  }

  // Moves the listening sockets from their slots to 3, 4, ...: first all of them above both
  // ranges (a target number may be another socket's slot), then down, without CLOEXEC.
  STACKVISOR_CHILD_CODE bool PassListenFds() {
    const int above = keep_below > 3 + listen_count ? keep_below : 3 + listen_count;
    int moved[kMaxListenFds];
    for (int i = 0; i < listen_count; ++i) {
      moved[i] = fcntl(listen_slot_fds[i], F_DUPFD_CLOEXEC, above);
      if (moved[i] < 0) return Fail("dup the listening sockets"), false;
    }
    for (int i = 0; i < listen_count; ++i)
      if (dup2(moved[i], 3 + i) < 0) return Fail("dup2 a listening socket"), false;
    // "LISTEN_PID=" is there already; the digits follow, from the right.
    char digits[16];
    int n = 0;
    for (pid_t pid = getpid(); pid > 0 && n < 16; pid /= 10) digits[n++] = char('0' + pid % 10);
    char* out = listen_pid_entry + sizeof kListenPidPrefix - 1;
    while (n > 0) *out++ = digits[--n];
    *out = '\0';
    return true;
  }

  STACKVISOR_CHILD_CODE void Fail(const char* step) {
    failed_errno = errno;
    failed_step = step;
  }
};

STACKVISOR_CHILD_CODE int RunChild(void* arg) {
  static_cast<ChildSetup*>(arg)->RunAndExec();
  _exit(127);
}

// "svtest", or "uid 1001" for a uid without a passwd entry.
std::string UserName(const Credentials& credentials) {
  if (!credentials.name.empty()) return credentials.name;
  return "uid " + std::to_string(credentials.uid);
}

// Formats, in the parent, what each step that names something will say if it fails.
void DescribeSteps(const SpawnSpec& spec, ChildSetup& setup) {
  setup.exec_step = "exec " + setup.exe;
  setup.chdir_step = "chdir to " + spec.working_dir;
  if (!spec.credentials) return;
  const Credentials& c = *spec.credentials;
  setup.chdir_step += " as " + UserName(c);
  setup.setgroups_step = "setgroups for " + UserName(c);
  setup.setgid_step = "setgid " + std::to_string(c.gid);
  setup.setuid_step = "setuid " + std::to_string(c.uid);
}

base::Result<std::pair<base::UniqueFd, base::UniqueFd>> MakePipe() {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return base::Error{base::ErrnoMessage("pipe2", errno)};
  // The default 64 KiB pipe is deliberate: a read drains it in one go, so every chatty child
  // gets its turn in each poll pass (with 1 MiB pipes one flooding child starved the others
  // under backpressure), and it measured faster too.
  return std::make_pair(base::UniqueFd(fds[0]), base::UniqueFd(fds[1]));
}

}  // namespace

std::string PathFromEnv(const std::vector<std::string>& env) {
  for (const auto& kv : env)
    if (kv.rfind("PATH=", 0) == 0) return kv.substr(5);
  return "/usr/local/bin:/usr/bin:/bin";
}

ExecutableLookup LookupExecutable(const std::string& argv0, const std::string& path_env,
                                  const std::string& working_dir) {
  auto check = [](const std::string& path) -> int {
    struct stat st {};
    if (stat(path.c_str(), &st) != 0) return errno;
    if (S_ISDIR(st.st_mode)) return EISDIR;
    if (access(path.c_str(), X_OK) != 0) return errno;
    return 0;
  };
  // The child runs in working_dir, so a relative path means what it would mean in a shell
  // started there (or in a container), not what it means from wherever stackvisor was started.
  auto in_working_dir = [&](const std::string& path) {
    if (path.front() == '/' || working_dir.empty()) return path;
    return working_dir + "/" + path;
  };
  if (argv0.empty()) return {argv0, ENOENT};
  if (argv0.find('/') != std::string::npos) {
    std::string path = in_working_dir(argv0);
    return {path, check(path)};
  }
  int first_error = ENOENT;
  size_t start = 0;
  while (start <= path_env.size()) {
    size_t end = path_env.find(':', start);
    if (end == std::string::npos) end = path_env.size();
    std::string dir = path_env.substr(start, end - start);
    if (dir.empty()) dir = ".";
    std::string candidate = in_working_dir(dir + "/" + argv0);
    int err = check(candidate);
    if (err == 0) return {candidate, 0};
    if (err != ENOENT && err != ENOTDIR && first_error == ENOENT) first_error = err;
    start = end + 1;
  }
  return {argv0, first_error};
}

base::Result<std::string> ResolveExecutable(const std::string& argv0, const std::string& path_env,
                                            const std::string& working_dir) {
  if (argv0.empty()) return base::Error{"spawn: empty command"};
  ExecutableLookup found = LookupExecutable(argv0, path_env, working_dir);
  if (found.error == 0) return found.path;
  std::string where = found.path == argv0 ? "" : " in " + working_dir;
  return base::Error{base::ErrnoMessage("spawn " + argv0 + where, found.error)};
}

base::Result<SpawnedChild> Spawn(const SpawnSpec& spec) {
  if (spec.argv.empty()) return base::Error{"spawn: empty command"};
  ChildSetup setup;
  std::unique_ptr<ContainerSetup> container;
  if (spec.container) {
    // Paths are the container's: the executable and the directory are found by the child.
    auto prepared = ContainerSetup::Prepare(*spec.container, spec.argv[0], PathFromEnv(spec.env),
                                            spec.working_dir);
    if (!prepared.ok()) return base::Error{"spawn: " + prepared.error().message};
    container = std::move(prepared.value());
    setup.container = container.get();
    setup.exe = spec.argv[0];
  } else {
    auto exe = ResolveExecutable(spec.argv[0], PathFromEnv(spec.env), spec.working_dir);
    if (!exe.ok()) return exe.error();
    setup.exe = exe.value();
  }
  DescribeSteps(spec, setup);
  // Checked here too because a missing directory is the common case and needs no fork.
  if (!spec.working_dir.empty() && !spec.container) {
    struct stat st {};
    if (stat(spec.working_dir.c_str(), &st) != 0)
      return base::Error{base::ErrnoMessage("spawn: " + setup.chdir_step, errno)};
    if (!S_ISDIR(st.st_mode))
      return base::Error{base::ErrnoMessage("spawn: " + setup.chdir_step, ENOTDIR)};
  }
  setup.argv_storage = spec.argv;
  for (auto& arg : setup.argv_storage) setup.argv.push_back(arg.data());
  setup.argv.push_back(nullptr);
  if (spec.listen_fds.size() > kMaxListenFds)
    return base::Error{"spawn " + spec.argv[0] + ": more than " + std::to_string(kMaxListenFds) +
                       " listening sockets"};
  std::vector<std::string> env_storage = spec.env;
  if (!spec.listen_fds.empty()) {
    env_storage = WithListenEnv(std::move(env_storage), spec.listen_fds.size(),
                                spec.listen_fd_names);
    std::memcpy(setup.listen_pid_entry, kListenPidPrefix, sizeof kListenPidPrefix - 1);
  }
  for (auto& kv : env_storage) setup.envp.push_back(kv.data());
  if (!spec.listen_fds.empty()) setup.envp.push_back(setup.listen_pid_entry);
  setup.envp.push_back(nullptr);
  if (!spec.working_dir.empty()) setup.working_dir = spec.working_dir.c_str();
  if (spec.credentials) setup.credentials = &*spec.credentials;
  setup.file_limit = InheritedFileLimit();
  setup.parent = getpid();

  SpawnedChild result;
  base::UniqueFd out_write, err_write;
  if (spec.capture_output) {
    auto out = MakePipe();
    if (!out.ok()) return out.error();
    auto err = MakePipe();
    if (!err.ok()) return err.error();
    result.stdout_read = std::move(out.value().first);
    out_write = std::move(out.value().second);
    result.stderr_read = std::move(err.value().first);
    err_write = std::move(err.value().second);
  }

  static std::mutex slots_in_use;  // the slots and the clone stack serve one spawn at a time
  std::lock_guard<std::mutex> lock(slots_in_use);
  auto slots = SpawnSlots::Instance();
  if (!slots.ok()) return slots.error();
  SpawnSlots& slot = *slots.value();
  struct ClearOnExit {
    SpawnSlots& slots;
    ~ClearOnExit() { slots.Clear(); }  // our copies of the write ends go, so EOF can come
  } clear_on_exit{slot};
  base::UniqueFd cgroup_procs;
  if (!spec.cgroup_procs.empty()) {
    cgroup_procs.Reset(open(spec.cgroup_procs.c_str(), O_WRONLY | O_CLOEXEC));
    if (!cgroup_procs.valid())
      return base::Error{base::ErrnoMessage("spawn: open " + spec.cgroup_procs, errno)};
  }
  const struct {
    SpawnSlots::Slot slot;
    int fd;
    const char* what;
  } loads[] = {{SpawnSlots::kStdout, out_write.get(), "stdout"},
               {SpawnSlots::kStderr, err_write.get(), "stderr"},
               {SpawnSlots::kCgroup, cgroup_procs.get(), "cgroup.procs"}};
  for (const auto& load : loads) {
    if (int e = slot.Load(load.slot, load.fd); e != 0)
      return base::Error{base::ErrnoMessage(std::string("spawn: dup3 ") + load.what, e)};
  }
  for (size_t i = 0; i < spec.listen_fds.size(); ++i) {
    const auto listen_slot = static_cast<SpawnSlots::Slot>(SpawnSlots::kListen0 + int(i));
    if (int e = slot.Load(listen_slot, spec.listen_fds[i]); e != 0)
      return base::Error{base::ErrnoMessage("spawn: dup3 listening socket", e)};
    setup.listen_slot_fds[i] = slot.fd(listen_slot);
  }
  setup.listen_count = static_cast<int>(spec.listen_fds.size());
  setup.keep_below = slot.keep_below();
  setup.null_fd = slot.fd(SpawnSlots::kNull);
  setup.stdout_fd = slot.fd(SpawnSlots::kStdout);
  setup.stderr_fd = slot.fd(SpawnSlots::kStderr);
  if (cgroup_procs.valid()) setup.cgroup_procs_fd = slot.fd(SpawnSlots::kCgroup);

  // The child shares our memory and waits for nothing; we wait only until it has exec'd.
  // Signals stay blocked meanwhile, so no handler of ours runs in it.
  sigset_t all, previous;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &previous);
  pid_t pid = CloneSharingFds(RunChild, &setup);
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  if (pid < 0) return base::Error{base::ErrnoMessage("spawn " + spec.argv[0] + ": clone", -pid)};
  // A failed child has exited with 127; the Reaper collects it like any other.
  if (setup.failed_step != nullptr)
    return base::Error{base::ErrnoMessage(std::string("spawn: ") + setup.failed_step,
                                          setup.failed_errno)};
  result.pid = pid;
  return result;
}

}  // namespace stackvisor::procs
