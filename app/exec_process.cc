// The in-process half of `exec`/`run`: the command line cut at the command, and the spec
// applied to this process before execve.
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <sys/stat.h>
#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>

#include "app/exec_command.h"
#include "base/result.h"
#include "procs/container_setup.h"
#include "procs/spawner.h"

namespace stackvisor::app {
namespace {

std::string UserName(uid_t uid, const std::string& known) {
  if (!known.empty()) return known;
  struct passwd* pw = getpwuid(uid);
  return pw != nullptr ? std::string(pw->pw_name) : "uid " + std::to_string(uid);
}

int Fail(const std::string& step, int err, int code = 126) {
  std::cerr << "stackvisor: " << base::ErrnoMessage("exec: " + step, err) << "\n";
  return code;
}

// Joins the running service's mount and UTS namespaces; false when it has none of its own
// (or is gone, or lives in a PID namespace we cannot see into).
bool JoinView(pid_t pid) {
  if (pid <= 0) return false;
  const std::string dir = "/proc/" + std::to_string(pid) + "/ns/";
  struct stat theirs {}, ours {};
  if (stat((dir + "mnt").c_str(), &theirs) != 0 || stat("/proc/self/ns/mnt", &ours) != 0 ||
      theirs.st_ino == ours.st_ino)
    return false;
  for (const auto& [name, type] : {std::pair{"mnt", CLONE_NEWNS}, std::pair{"uts", CLONE_NEWUTS}}) {
    int fd = open((dir + name).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    const int ok = setns(fd, type);
    close(fd);
    if (ok != 0) return false;
  }
  return true;
}

}  // namespace

SplitArgs SplitAtCommand(const std::vector<std::string>& argv,
                         const std::set<std::string>& subcommands,
                         const std::set<std::string>& value_options,
                         const std::set<std::string>& top_value_options) {
  SplitArgs out;
  size_t i = 0;
  // The program and the top-level options (-f FILE, -p NAME, -h) up to the subcommand.
  for (; i < argv.size(); ++i) {
    out.ours.push_back(argv[i]);
    if (i > 0 && argv[i].rfind('-', 0) != 0) break;
    if (i > 0 && top_value_options.count(argv[i]) != 0 && i + 1 < argv.size())
      out.ours.push_back(argv[++i]);
  }
  if (i >= argv.size() || subcommands.count(argv[i]) == 0) {
    out.ours = argv;
    return out;
  }
  for (++i; i < argv.size(); ++i) {
    const std::string& arg = argv[i];
    if (arg == "--") {
      if (i + 1 < argv.size()) out.ours.push_back(argv[++i]);
      break;
    }
    out.ours.push_back(arg);
    if (arg.size() < 2 || arg[0] != '-') break;  // SERVICE
    // `--env=K=V` and `-eK=V` carry their value; `-e K=V` takes the next argument.
    bool attached = arg.find('=') != std::string::npos || (arg[1] != '-' && arg.size() > 2);
    if (!attached && value_options.count(arg) != 0 && i + 1 < argv.size())
      out.ours.push_back(argv[++i]);
  }
  if (i < argv.size()) out.command.assign(argv.begin() + static_cast<long>(i) + 1, argv.end());
  return out;
}

int ExecSpec(const procs::SpawnSpec& spec, pid_t join) {
  uid_t me = geteuid();
  std::string who = UserName(me, "");
  // Before the credentials change: making or joining namespaces needs the capabilities.
  std::unique_ptr<procs::ContainerSetup> fresh;
  if (spec.container && !(me == 0 && JoinView(join))) {
    if (spec.argv.empty()) return Fail("empty command", EINVAL);
    auto prepared = procs::ContainerSetup::Prepare(*spec.container, spec.argv[0],
                                                   procs::PathFromEnv(spec.env), spec.working_dir);
    if (!prepared.ok()) {
      std::cerr << "stackvisor: exec: " << prepared.error().message << "\n";
      return 126;
    }
    fresh = std::move(prepared.value());
    // In this process: from here on, paths (and the PATH lookup below) are the view's.
    fresh->Enter();
    if (fresh->failed_step() != nullptr) return Fail(fresh->failed_step(), errno);
  }
  if (spec.credentials) {
    const procs::Credentials& c = *spec.credentials;
    who = UserName(c.uid, c.name);
    if (me == 0) {
      // Groups first: after setuid we could no longer change them.
      if (setgroups(c.groups.size(), c.groups.data()) != 0)
        return Fail("setgroups for " + who, errno);
      if (setgid(c.gid) != 0) return Fail("setgid " + std::to_string(c.gid), errno);
      if (setuid(c.uid) != 0) return Fail("setuid " + std::to_string(c.uid), errno);
    } else if (c.uid != me) {
      return Fail("run as " + who + " (uid " + std::to_string(c.uid) + ")", EPERM);
    }
  }
  // After the switch, so a directory the user cannot enter fails here, as it would for `up`.
  if (!spec.working_dir.empty() && chdir(spec.working_dir.c_str()) != 0)
    return Fail("chdir to " + spec.working_dir + " as " + who, errno);
  if (spec.argv.empty()) return Fail("empty command", EINVAL);
  auto found = procs::LookupExecutable(spec.argv[0], procs::PathFromEnv(spec.env), "");
  if (found.error != 0) return Fail(spec.argv[0], found.error, found.error == ENOENT ? 127 : 126);

  std::vector<std::string> storage = spec.argv;
  std::vector<char*> argv, envp;
  for (auto& arg : storage) argv.push_back(arg.data());
  argv.push_back(nullptr);
  std::vector<std::string> env = spec.env;
  for (auto& kv : env) envp.push_back(kv.data());
  envp.push_back(nullptr);
  std::cout.flush();
  execve(found.path.c_str(), argv.data(), envp.data());
  int err = errno;
  return Fail("exec " + found.path, err, err == ENOENT ? 127 : 126);
}

}  // namespace stackvisor::app
