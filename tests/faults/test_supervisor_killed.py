"""stackvisor SIGKILLed mid-run: 0 service processes left after 2 s, including a service's own
children, a child that called setsid() to escape its group, and setsid'd orphans of a
double-forking service (re-parented to stackvisor). As an ordinary process (PDEATHSIG + guardian)
and as PID 1 of a PID namespace (the kernel kills the namespace)."""
import os
import signal
import time
import unittest

import faultlib as fl
from faultlib import h

ESCAPE = ("import os, sys, time\n"
          "if os.fork() == 0:\n"
          "    os.setsid()\n"
          "    print('escaped', os.getpid(), flush=True)\n"
          "    while True: time.sleep(3600)\n"
          "while True: time.sleep(3600)\n")

EXPECTED = 1 + 3 + 2 + 1 + 3  # plain, tree (sh + 2 sleeps), escapee (+ child), daemon + 3 orphans
LIMIT_S = 2.0


class SupervisorKilled(unittest.TestCase):

    def run_mode(self, mode):
        fl.skip_unless_mode(self, mode)
        services = {
            "plain": {"command": ["sleep", "3600"]},
            "tree": {"command": ["sh", "-c", "sleep 3600 & sleep 3600 & wait"]},
            "escapee": {"command": [h.PY, "-c", ESCAPE]},
            "daemon": {"command": h.py("double_forker.py", 3, -1, "--setsid")},
        }
        with h.Stack(services, wrapper=fl.wrapper_for(mode)) as st:
            sv = fl.sv_pid(st)
            st.wait_for_line(r"^escapee\s+\| escaped \d+$", timeout=10)
            st.wait_for_line(r"^daemon\s+\| forked 3 orphans$", timeout=10)
            h.wait_until(lambda: len(st.leftovers()) >= EXPECTED, 10,
                         f"{EXPECTED} service processes running")
            before = len(st.leftovers())
            guards = fl.guardians_of(sv)
            t0 = time.monotonic()
            os.kill(sv, signal.SIGKILL)
            try:
                h.wait_until(lambda: not st.leftovers(), LIMIT_S,
                             f"0 service processes left {LIMIT_S}s after SIGKILL of stackvisor")
            except AssertionError:
                left = [(p, h.proc_stat(p), h.cmdline(p)) for p in st.leftovers()]
                fl.figure(f"sigkill_{mode}_left_after_2s", len(left))
                self.fail(f"{len(left)} processes left 2 s after SIGKILL: {left}")
            gone_s = time.monotonic() - t0
            guard_left = [g for g in guards if h.is_alive(g)]
            if guard_left:
                h.wait_until(lambda: not [g for g in guards if h.is_alive(g)], LIMIT_S - gone_s,
                             "the guardian to exit too")
            fl.figure(f"sigkill_{mode}_processes_before", before)
            fl.figure(f"sigkill_{mode}_left_after_2s", 0)
            fl.figure(f"sigkill_{mode}_all_gone_s", gone_s)
            fl.figure(f"sigkill_{mode}_guardians", len(guards))
            self.assertGreaterEqual(before, EXPECTED)
            self.assertEqual(len(guards), 1, "one stackvisor-guard process expected")

    def test_ordinary_process(self):
        self.run_mode("ordinary")

    def test_pid1(self):
        self.run_mode("pid1")


if __name__ == "__main__":
    fl.main()
