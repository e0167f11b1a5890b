#include "procs/file_limit.h"

namespace stackvisor::procs {
namespace {
bool raised = false;
rlimit inherited{};
}  // namespace

void RaiseFileLimit() {
  if (raised) return;
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max) return;
  const rlimit original = limit;
  limit.rlim_cur = limit.rlim_max;
  // Refused (a container may cap it further): stackvisor runs with what it has.
  if (setrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  inherited = original;
  raised = true;
}

const rlimit* InheritedFileLimit() { return raised ? &inherited : nullptr; }

}  // namespace stackvisor::procs
