"""Issue 10 item 3: processes that reset their environment (`env -i`), that call setsid(), or
that double-fork must not survive a SIGKILLed stackvisor. With cgroup v2 containment (root here)
all are gone within 2 s, as an ordinary process and as PID 1; `stackvisor up` names the
containment once at start; the stack cgroup is removed after a clean stop and after a SIGKILL.
With the process-group fallback (STACKVISOR_CONTAINMENT=process-groups) the environment marker
cannot see an `env -i` process: that is reported (FIGURE), not asserted, and the test kills them."""
import os
import re
import signal
import subprocess
import time
import unittest

import faultlib as fl
from faultlib import h

LIMIT_S = 2.0
CONTAINMENT_RX = r"^stackvisor\s+\| containment: (.*)$"

# Forks, the child calls setsid() and forks again; the grandchild records its pid and sleeps.
DOUBLE_FORK = ("import os, sys, time\n"
               "if os.fork() == 0:\n"
               "    os.setsid()\n"
               "    if os.fork() == 0:\n"
               "        open(sys.argv[1] + '.tmp', 'w').write(str(os.getpid()))\n"
               "        os.rename(sys.argv[1] + '.tmp', sys.argv[1])\n"
               "        while True: time.sleep(3600)\n"
               "    os._exit(0)\n")

# On SIGTERM: waits up to 0.3 s for the process in the pid file to be gone, says which, exits.
WATCH = ("import os, signal, sys, time\n"
         "def alive(pid):\n"
         "    try: return open(f'/proc/{pid}/stat').read().rsplit(')', 1)[1].split()[0] != 'Z'\n"
         "    except OSError: return False\n"
         "def on_term(*_):\n"
         "    pid = int(open(sys.argv[1]).read())\n"
         "    end = time.monotonic() + 0.3\n"
         "    while alive(pid) and time.monotonic() < end: time.sleep(0.01)\n"
         "    print(\"b's leftover\", 'alive' if alive(pid) else 'gone', flush=True)\n"
         "    sys.exit(0)\n"
         "signal.signal(signal.SIGTERM, on_term)\n"
         "print('watching', flush=True)\n"
         "while True: time.sleep(3600)\n")

SERVICES = {
    # The reproduction, verbatim but for the pid file.
    "envi": {"command": ["sh", "-c",
                         "env -i /bin/sleep 1013 & echo $! > @DIR@/envi.pid; exec sleep 1000"]},
    "setsid": {"command": ["sh", "-c", "env -i setsid /bin/sleep 1014 & echo $! > @DIR@/setsid.pid;"
                           " exec sleep 1000"]},
    "dfork": {"command": ["sh", "-c", 'env -i /usr/bin/python3 -c "$1" "$2" & exec sleep 1000',
                          "sh", DOUBLE_FORK, "@DIR@/dfork.pid"]},
}
PID_FILES = ("envi.pid", "setsid.pid", "dfork.pid")


def containment_of(st):
    return st.wait_for_line(CONTAINMENT_RX, timeout=10)[2].group(1)


def cgroup_dir(text):
    m = re.match(r"^cgroup v2 \((.*)\)$", text)
    return m.group(1) if m else None


class Containment(unittest.TestCase):

    def start(self, st):
        sv = fl.sv_pid(st)
        for name in PID_FILES:
            h.wait_until(lambda n=name: os.path.exists(st.path(n)), 10, f"{name} written")
        ns = fl.ns_pid_map(sv)
        escapees = {n[:-4]: ns[int(fl.read_file(st.path(n)).strip())] for n in PID_FILES}
        self.addCleanup(self.kill_all, escapees.values())
        for name, pid in escapees.items():
            self.assertTrue(h.is_alive(pid), f"{name} escapee running")
        return sv, escapees

    @staticmethod
    def kill_all(pids):
        for p in pids:
            try:
                os.kill(p, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def sigkill_mode(self, mode):
        fl.skip_unless_mode(self, mode)
        with h.Stack(SERVICES, wrapper=fl.wrapper_for(mode)) as st:
            sv, escapees = self.start(st)
            # Printed before any service starts. Looked up, not awaited, so that a build without
            # containment fails below on the survivors, the bug itself.
            found = st.find_line(CONTAINMENT_RX)
            stack = cgroup_dir(found[2].group(1)) if found else None
            if found and stack is None:
                self.skipTest(f"no cgroup containment here: {found[2].group(1)}")
            t0 = time.monotonic()
            os.kill(sv, signal.SIGKILL)
            alive = lambda: [n for n, p in escapees.items() if h.is_alive(p)] + (
                ["tagged"] if st.leftovers() else [])
            try:
                h.wait_until(lambda: not alive(), LIMIT_S, "every escapee gone")
            except AssertionError:
                self.fail(f"alive {LIMIT_S}s after SIGKILL of stackvisor: {alive()}")
            fl.figure(f"containment_sigkill_{mode}_all_gone_s", time.monotonic() - t0)
            if mode == "ordinary" and stack:
                # The guardian removes the cgroups; as PID 1 it dies with the namespace, and the
                # next start removes the empty leftover (checked in test_stale_cgroup_removed).
                h.wait_until(lambda: not os.path.exists(stack), LIMIT_S, "stack cgroup removed")

    def test_sigkill_ordinary(self):
        self.sigkill_mode("ordinary")

    def test_sigkill_pid1(self):
        self.sigkill_mode("pid1")

    def test_clean_stop_removes_cgroups(self):
        with h.Stack(SERVICES) as st:
            sv, escapees = self.start(st)  # first: it arranges for the escapees to be killed
            stack = cgroup_dir(containment_of(st))
            if stack is None:
                self.skipTest("no cgroup containment here")
            # Every process of a service is listed in its cgroup, wherever it is in the tree.
            procs = fl.read_file(os.path.join(stack, "services", "envi", "cgroup.procs")).split()
            self.assertIn(str(escapees["envi"]), procs)
            os.kill(sv, signal.SIGTERM)
            self.assertEqual(st.wait_exit(10), 0, st.dump())
            self.assertFalse(os.path.exists(stack), "stack cgroup left after a clean stop")
            self.assertEqual([n for n, p in escapees.items() if h.is_alive(p)], [])

    def test_stale_cgroup_removed(self):
        dead = subprocess.Popen(["true"])
        dead.wait()  # its pid names a run that is gone
        with h.Stack({"a": {"command": ["sleep", "1000"]}}) as st:
            stack = cgroup_dir(containment_of(st))
            if stack is None:
                self.skipTest("no cgroup containment here")
            parent = os.path.dirname(stack)
            stale = os.path.join(parent, f"stackvisor-{dead.pid}-deadbeef")
            # Another project's stackvisor between its mkdir and its guardian's adoption: empty,
            # fresh, its owner alive. It must survive (removing it would kill that stack).
            starting = os.path.join(parent, f"stackvisor-{os.getpid()}-5ca1ab1e")
            os.makedirs(os.path.join(stale, "web"), exist_ok=True)
            os.makedirs(os.path.join(starting, "services", "web"), exist_ok=True)
            os.kill(st.pid, signal.SIGTERM)
            st.wait_exit(10)
        try:
            with h.Stack({"a": {"command": ["sleep", "1000"]}}) as st:
                containment_of(st)
                self.assertFalse(os.path.exists(stale),
                                 "an empty stack cgroup of a dead run is removed")
                self.assertTrue(os.path.exists(os.path.join(starting, "services", "web")),
                                "a starting run's empty stack cgroup is left alone")
                os.kill(st.pid, signal.SIGTERM)
                st.wait_exit(10)
        finally:
            for d in (os.path.join(starting, "services", "web"),
                      os.path.join(starting, "services"), starting):
                if os.path.isdir(d):
                    os.rmdir(d)

    def test_stop_takes_the_whole_service(self):
        # b depends on a, so b stops first. b's setsid'd sleep gets no SIGTERM (another
        # session); with cgroups it is killed when b's main process stops, before a is told to
        # stop, as a container's processes would be. a reports what it sees when told.
        services = {
            "a": {"command": [h.PY, "-c", WATCH, "@DIR@/b.pid"]},
            "b": {"command": ["sh", "-c", "setsid sleep 1015 & echo $! > @DIR@/b.pid;"
                              " exec sleep 1000"], "depends_on": ["a"]},
        }
        with h.Stack(services) as st:
            stack = cgroup_dir(containment_of(st))
            if stack is None:
                self.skipTest("no cgroup containment here")
            st.wait_for_line(r"^a\s+\| watching$")
            h.wait_until(lambda: os.path.exists(st.path("b.pid")), 10, "b's sleep started")
            st.signal(signal.SIGTERM)
            self.assertEqual(st.wait_exit(10), 0, st.dump())
            self.assertIsNotNone(st.find_line(r"^a\s+\| b's leftover gone$"), st.dump())
            self.assertEqual(st.leftovers(), [])

    def test_fallback_says_so(self):
        with h.Stack(SERVICES, env={"STACKVISOR_CONTAINMENT": "process-groups"}) as st:
            sv, escapees = self.start(st)
            self.assertEqual(containment_of(st), "process groups + environment marker (no writable "
                             "cgroup v2: STACKVISOR_CONTAINMENT=process-groups)")
            os.kill(sv, signal.SIGKILL)
            time.sleep(LIMIT_S)  # measuring what survives, not waiting for a condition
            survivors = sorted(n for n, p in escapees.items() if h.is_alive(p))
            fl.figure("containment_fallback_env_reset_survivors", len(survivors))
            print(f"note: without cgroups these reset their environment and survive: {survivors}",
                  flush=True)
            h.wait_until(lambda: not st.leftovers(), LIMIT_S, "marked processes gone")


if __name__ == "__main__":
    fl.main()
