#include "procs/containment.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>

namespace stackvisor::procs {
namespace {

constexpr const char* kPrefix = "stackvisor-";
// How long the end of a stop waits for killed processes to leave their cgroups before rmdir.
// Short: normally they are gone already, and a stop must end within grace + 1 s; what is left
// (a process stuck in the kernel) is removed by the next start once it is empty.
constexpr int kRemoveWaitMs = 200;

std::string Slurp(const char* path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Stack cgroups of SIGKILLed runs whose guardian died too (as PID 1 of a namespace, the kernel
// kills the guardian with everything else). Another project's stackvisor may be starting at this
// very moment: its stack cgroup is empty until its guardian is adopted, milliseconds after the
// mkdir. So an empty stack cgroup is stale only when its owner (the pid in its name) is gone or
// it is older than kStaleAfter (a pid in a namespace means nothing here), and removing one never
// signals: rmdir fails on anything that is not empty.
constexpr time_t kStaleAfterSeconds = 10;

bool OwnerGone(const std::string& name) {
  long owner = std::strtol(name.c_str() + std::strlen(kPrefix), nullptr, 10);
  return owner > 0 && ::kill(static_cast<pid_t>(owner), 0) != 0 && errno == ESRCH;
}

bool OlderThan(const std::string& dir, time_t seconds) {
  struct stat st {};
  return stat(dir.c_str(), &st) == 0 && time(nullptr) - st.st_mtime > seconds;
}

void RemoveStale(const std::string& own_dir) {
  for (const auto& dir : ChildCgroups(own_dir)) {
    auto name = dir.substr(dir.find_last_of('/') + 1);
    if (name.rfind(kPrefix, 0) != 0 || CgroupPopulated(dir)) continue;
    if (OwnerGone(name) || OlderThan(dir, kStaleAfterSeconds)) RemoveEmptyCgroups(dir);
  }
}

}  // namespace

void ServiceCgroup::Signal(int signal) const {
  for (pid_t pid : Pids()) ::kill(pid, signal);
}

std::unique_ptr<Containment> Containment::Disabled(std::string why) {
  return std::unique_ptr<Containment>(new Containment("", std::move(why)));
}

std::unique_ptr<Containment> Containment::Create() {
  auto mount = Cgroup2Mount(Slurp("/proc/self/mountinfo"));
  if (!mount) return Disabled("no cgroup2 mount in /proc/self/mountinfo");
  auto own = OwnCgroup2Path(Slurp("/proc/self/cgroup"));
  if (!own) return Disabled("no cgroup v2 entry (0::) in /proc/self/cgroup");
  std::string own_dir = *mount + (*own == "/" ? "" : *own);
  if (access((own_dir + "/cgroup.procs").c_str(), W_OK) != 0)
    return Disabled(base::ErrnoMessage(own_dir + "/cgroup.procs", errno));
  RemoveStale(own_dir);
  std::random_device random;
  std::string stack;
  for (int attempt = 0;; ++attempt) {
    char suffix[16];
    std::snprintf(suffix, sizeof(suffix), "%08x", static_cast<unsigned>(random()));
    stack = own_dir + "/" + kPrefix + std::to_string(getpid()) + "-" + suffix;
    if (mkdir(stack.c_str(), 0755) == 0) break;
    if (errno != EEXIST || attempt == 10)
      return Disabled(base::ErrnoMessage("mkdir " + stack, errno));
  }
  std::unique_ptr<Containment> containment(new Containment(stack, ""));
  if (mkdir(containment->Services().c_str(), 0755) != 0)
    containment->Deactivate(base::ErrnoMessage("mkdir " + containment->Services(), errno));
  return containment;
}

Containment::~Containment() {
  if (!active()) return;
  Kill();
  services_.clear();
  by_name_.clear();
  RemoveStackCgroup(stack_, kRemoveWaitMs);
}

void Containment::Deactivate(std::string why) {
  services_.clear();
  by_name_.clear();
  RemoveStackCgroup(stack_, 0);
  stack_.clear();
  why_ = std::move(why);
}

std::string Containment::Describe() const {
  if (active()) return "cgroup v2 (" + stack_ + ")";
  if (pid_namespace_ != 0)
    return std::string("PID namespace (") + (pid_namespace_ == 2 ? "user namespace; " : "") +
           "no writable cgroup v2: " + why_ + ")";
  return "process groups + environment marker (no writable cgroup v2: " + why_ + ")";
}

void Containment::Adopt(pid_t pid) {
  if (!active()) return;
  std::string procs = stack_ + "/cgroup.procs";
  base::UniqueFd fd(open(procs.c_str(), O_WRONLY | O_CLOEXEC));
  std::string text = std::to_string(pid);
  if (!fd.valid() || write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size()))
    Deactivate(base::ErrnoMessage("write " + procs, errno));
}

base::Result<ServiceCgroup*> Containment::AddService(const std::string& name) {
  if (!active()) return static_cast<ServiceCgroup*>(nullptr);
  std::string base_name = CgroupName(name);
  std::string dir = Services() + "/" + base_name;
  // Two names may sanitise alike ("a.b", "a_b"): number the later ones.
  for (int n = 2; access(dir.c_str(), F_OK) == 0; ++n)
    dir = Services() + "/" + base_name + "-" + std::to_string(n);
  if (mkdir(dir.c_str(), 0755) != 0)
    return base::Error{base::ErrnoMessage(name + ": mkdir " + dir, errno)};
  // Opened once here so a cgroup we may not write into is refused now, not at each spawn.
  std::string procs = dir + "/cgroup.procs";
  base::UniqueFd fd(open(procs.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd.valid()) {
    int err = errno;
    rmdir(dir.c_str());
    return base::Error{base::ErrnoMessage(name + ": open " + procs, err)};
  }
  services_.emplace_back(name, std::make_unique<ServiceCgroup>(dir));
  by_name_.emplace(name, services_.back().second.get());
  return services_.back().second.get();
}

ServiceCgroup* Containment::Find(const std::string& name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : it->second;
}

std::vector<pid_t> Containment::Pids() const {
  std::vector<pid_t> pids;
  for (const auto& entry : services_) {
    auto more = entry.second->Pids();
    pids.insert(pids.end(), more.begin(), more.end());
  }
  return pids;
}

bool Containment::Populated() const { return active() && CgroupPopulated(Services()); }

void Containment::Signal(int signal) const {
  for (const auto& entry : services_) entry.second->Signal(signal);
}

void Containment::Kill() const {
  if (active()) KillCgroup(Services());
}

}  // namespace stackvisor::procs
