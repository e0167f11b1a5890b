#pragma once
// The child's half of a private mount namespace: replays a ContainerPlan between clone and
// exec with async-signal-safe calls only, on buffers the parent prepared.
#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "procs/container_plan.h"
#include "procs/spawn_spec.h"

namespace stackvisor::procs {

/// ContainerSetup is built by the parent (Prepare: plans the mounts, formats every step's
/// message and the id maps, lists the exec candidates) and run by the child: Enter makes the
/// namespaces (a user namespace mapping our uid and gid to themselves for an ordinary user,
/// never to 0), pivots into a tmpfs scaffold, replays the plan, drops the host's root, sets the
/// host name; Exec tries each candidate. Both return only on failure, with errno set and
/// failed_step naming what failed. Not copyable: the child holds pointers into it.
class ContainerSetup {
 public:
  static base::Result<std::unique_ptr<ContainerSetup>> Prepare(const ContainerSpec& spec,
                                                               const std::string& argv0,
                                                               const std::string& path_env,
                                                               const std::string& working_dir);
  ContainerSetup(const ContainerSetup&) = delete;
  ContainerSetup& operator=(const ContainerSetup&) = delete;

  // Child side. Enter must run before any credentials change (it needs the capabilities).
  void Enter();
  void Exec(char* const argv[], char* const envp[]);

  const char* failed_step() const { return failed_step_; }
  const char* exec_description() const { return exec_step_.c_str(); }

 private:
  ContainerSetup() = default;
  bool Step(bool ok, const char* what);
  bool WriteFile(const char* path, const std::string& text);

  bool user_namespace_ = false;
  uid_t uid_ = 0;
  gid_t gid_ = 0;
  std::string uid_map_, gid_map_, hostname_;
  std::vector<ContainerStep> steps_;
  std::vector<std::string> candidates_;
  std::string exec_step_;
  const char* failed_step_ = nullptr;
};

}  // namespace stackvisor::procs
