// Containment: the /proc parsers on fixed texts, and (where stackvisor may create a cgroup v2,
// i.e. as root here) a real service cgroup: a spawned child is in it from exec on, with its own
// children, is listed, killed as a whole, and the directories are gone afterwards.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

#include <algorithm>
#include <optional>

#include "base/timer.h"
#include "procs/containment.h"
#include "procs/reaper.h"
#include "procs/spawner.h"

#include "tests/unit/procs/procs_test_util.h"

using namespace stackvisor;

namespace {

bool Exists(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0;
}

using procs::testing::RunUntil;

}  // namespace

TEST_CASE("the cgroup2 mount is found in mountinfo on hybrid and pure v2 hosts") {
  const char* hybrid =
      "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
      "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
      "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";
  CHECK(procs::Cgroup2Mount(hybrid) == "/sys/fs/cgroup/unified");
  const char* pure =
      "35 24 0:30 / /sys/fs/cgroup rw,nosuid shared:9 - cgroup2 cgroup2 rw,nsdelegate\n";
  CHECK(procs::Cgroup2Mount(pure) == "/sys/fs/cgroup");
  CHECK_FALSE(procs::Cgroup2Mount("32 31 0:29 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n"));
}

TEST_CASE("our own cgroup is the 0:: entry of /proc/self/cgroup") {
  CHECK(procs::OwnCgroup2Path("4:memory:/x\n0::/user.slice/user-1000.slice/session-2.scope\n") ==
        "/user.slice/user-1000.slice/session-2.scope");
  CHECK(procs::OwnCgroup2Path("9:name=systemd:/\n0::/\n") == "/");
  CHECK_FALSE(procs::OwnCgroup2Path("4:memory:/x\n1:cpu:/\n"));
}

TEST_CASE("service names become cgroup names that cannot be interface files") {
  CHECK(procs::CgroupName("web") == "web");
  CHECK(procs::CgroupName("cgroup.procs") == "cgroup_procs");
  CHECK(procs::CgroupName("a/../b c") == "a____b_c");
  CHECK(procs::CgroupName("") == "_");
}

TEST_CASE("an inactive containment says why") {
  auto c = procs::Containment::Disabled("STACKVISOR_CONTAINMENT=process-groups");
  CHECK_FALSE(c->active());
  CHECK(c->Describe() ==
        "process groups + environment marker (no writable cgroup v2: "
        "STACKVISOR_CONTAINMENT=process-groups)");
  auto added = c->AddService("web");
  REQUIRE(added.ok());
  CHECK(added.value() == nullptr);
}

TEST_CASE("without a cgroup, the PID namespace (or why there is none) is named") {
  auto in_ns = procs::Containment::Disabled("cgroup.procs: Permission denied");
  in_ns->NotePidNamespace(true);
  CHECK(in_ns->Describe() ==
        "PID namespace (user namespace; no writable cgroup v2: cgroup.procs: Permission denied)");
  auto as_root = procs::Containment::Disabled("no cgroup2 mount in /proc/self/mountinfo");
  as_root->NotePidNamespace(false);
  CHECK(as_root->Describe() ==
        "PID namespace (no writable cgroup v2: no cgroup2 mount in /proc/self/mountinfo)");
  auto none = procs::Containment::Disabled("cgroup.procs: Permission denied");
  none->NoteNoPidNamespace("already PID 1 of a PID namespace");
  CHECK(none->Describe() ==
        "process groups + environment marker (no writable cgroup v2: cgroup.procs: Permission "
        "denied; no PID namespace: already PID 1 of a PID namespace)");
}

TEST_CASE("a service cgroup holds the whole process tree, lists it, kills it, and is removed") {
  auto containment = procs::Containment::Create();
  if (!containment->active()) {
    MESSAGE("skipped: " << containment->Describe());
    return;
  }
  std::string stack = containment->stack_path();
  CHECK(containment->Describe() == "cgroup v2 (" + stack + ")");
  auto added = containment->AddService("web.1");
  REQUIRE(added.ok());
  procs::ServiceCgroup* cgroup = added.value();
  CHECK(cgroup->path() == stack + "/services/web_1");
  CHECK(containment->Find("web.1") == cgroup);
  CHECK_FALSE(cgroup->Populated());

  uv_loop_t loop;
  uv_loop_init(&loop);
  {
    procs::Reaper reaper(&loop);
    procs::SpawnSpec spec;
    // The inner sleep resets its environment and leaves the group: only the cgroup still sees it.
    spec.argv = {"sh", "-c", "env -i setsid sleep 997 & exec sleep 998"};
    spec.env = {"PATH=/usr/bin:/bin"};
    spec.capture_output = false;
    spec.cgroup_procs = cgroup->procs_path();
    auto child = procs::Spawn(spec);
    REQUIRE(child.ok());
    std::optional<procs::WaitStatus> status;
    reaper.Watch(child.value().pid, [&](procs::WaitStatus s) { status = s; });
    REQUIRE(RunUntil(&loop, [&] { return cgroup->Pids().size() == 2; }));
    auto pids = cgroup->Pids();
    CHECK(std::find(pids.begin(), pids.end(), child.value().pid) != pids.end());
    CHECK(containment->Pids() == pids);
    CHECK(cgroup->Populated());
    CHECK(containment->Populated());

    containment->Kill();
    REQUIRE(RunUntil(&loop, [&] { return status.has_value() && !cgroup->Populated(); }));
    CHECK(status->signaled());
    CHECK(status->signal() == SIGKILL);
    CHECK(cgroup->Pids().empty());
  }
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK(uv_loop_close(&loop) == 0);
  CHECK(Exists(stack + "/services/web_1"));
  containment.reset();
  CHECK_FALSE(Exists(stack));
}
