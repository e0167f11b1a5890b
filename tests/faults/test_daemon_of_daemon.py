"""Issue 10 item 2: a service whose child calls setsid() and ignores SIGTERM, and whose
grandchild calls setsid() again. The grandchild is re-parented to stackvisor only once the TERM
and KILL rounds for orphans are over; the stop must still end within stop_grace_period + 1 s with
nothing left, as an ordinary process and as PID 1, with cgroup containment and with the
process-group fallback (STACKVISOR_CONTAINMENT=process-groups)."""
import os
import signal
import time
import unittest

import faultlib as fl
from faultlib import h

GRACE_S = 1.0

# main: waits (honours SIGTERM); child: setsid, ignores SIGTERM, forks; grandchild: setsid again.
DD = ("import os, signal, sys, time\n"
      "if os.fork() == 0:\n"
      "    os.setsid()\n"
      "    signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
      "    if os.fork() == 0:\n"
      "        os.setsid()\n"
      "        open(sys.argv[1] + '.tmp', 'w').write(str(os.getpid()))\n"
      "        os.rename(sys.argv[1] + '.tmp', sys.argv[1])\n"
      "        while True: time.sleep(3600)\n"
      "    while True: time.sleep(3600)\n"
      "print('started', flush=True)\n"
      "while True: time.sleep(3600)\n")


class DaemonOfDaemon(unittest.TestCase):

    def run_mode(self, mode, containment):
        fl.skip_unless_mode(self, mode)
        env = {}
        if containment == "fallback":
            env["STACKVISOR_CONTAINMENT"] = "process-groups"
        services = {"dd": {"command": [h.PY, "-c", DD, "@DIR@/gc.pid"],
                           "stop_grace_period": f"{int(GRACE_S * 1000)}ms"}}
        with h.Stack(services, wrapper=fl.wrapper_for(mode), env=env) as st:
            sv = fl.sv_pid(st)
            st.wait_for_line(r"^dd\s+\| started$", timeout=10)
            h.wait_until(lambda: os.path.exists(st.path("gc.pid")), 10, "grandchild running")
            h.wait_until(lambda: len(st.leftovers()) >= 3, 10, "3 service processes running")
            gc = fl.ns_pid_map(sv)[int(fl.read_file(st.path("gc.pid")))]
            t0 = time.monotonic()
            os.kill(sv, signal.SIGTERM)
            rc = st.wait_exit(GRACE_S + 10)
            stop_s = st.exit_time - t0
            fl.figure(f"daemon_of_daemon_{mode}_{containment}_stop_seconds", stop_s)
            try:
                h.wait_until(lambda: not st.leftovers(), 0.3, "nothing left after stop")
            except AssertionError:
                self.fail(f"left: {[(p, h.cmdline(p)) for p in st.leftovers()]}\n{st.dump()}")
            self.assertFalse(h.is_alive(gc), "the grandchild must be gone")
            self.assertLessEqual(stop_s, GRACE_S + 1.0, st.dump())
            self.assertEqual(rc, 0, st.dump())

    def test_ordinary_cgroup(self):
        self.run_mode("ordinary", "default")

    def test_ordinary_fallback(self):
        self.run_mode("ordinary", "fallback")

    def test_pid1_cgroup(self):
        self.run_mode("pid1", "default")

    def test_pid1_fallback(self):
        self.run_mode("pid1", "fallback")


if __name__ == "__main__":
    fl.main()
