"""Stop with stubborn services: one ignores SIGTERM, one ignores every catchable signal (and so
does its child), two fork a setsid'd daemon and exit 0 like nginx with `daemon on` (one daemon
honours SIGTERM, one ignores it). A stop still ends with nothing left, within stop_grace_period +
1 s, as an ordinary process and as PID 1."""
import os
import signal
import time
import unittest

import faultlib as fl
from faultlib import h

GRACE_S = 2.0

DEAF = ("import os, signal, time\n"
        "for s in range(1, 65):\n"
        "    try: signal.signal(s, signal.SIG_IGN)\n"
        "    except (OSError, ValueError, RuntimeError): pass\n"
        "os.spawnvp(os.P_NOWAIT, 'sleep', ['sleep', '3600'])\n"  # inherits SIG_IGN everywhere
        "print('deaf', flush=True)\n"
        "while True: time.sleep(3600)\n")

DAEMON = ("import os, signal, sys, time\n"
          "ignore = sys.argv[1] == 'ignore'\n"
          "if os.fork() == 0:\n"
          "    os.setsid()\n"
          "    if os.fork() == 0:\n"
          "        if ignore: signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
          "        open(sys.argv[2] + '.tmp', 'w').write(str(os.getpid()))\n"
          "        os.rename(sys.argv[2] + '.tmp', sys.argv[2])\n"
          "        while True: time.sleep(3600)\n"
          "    os._exit(0)\n"
          "os.wait()\n"
          "sys.exit(0)\n")


class StubbornStop(unittest.TestCase):

    def run_mode(self, mode):
        fl.skip_unless_mode(self, mode)
        grace = f"{int(GRACE_S * 1000)}ms"
        services = {
            "noterm": {"command": h.py("ignore_term.py"), "stop_grace_period": grace},
            "deaf": {"command": [h.PY, "-c", DEAF], "stop_grace_period": grace},
            "nginxish": {"command": [h.PY, "-c", DAEMON, "honour", "@DIR@/d1.pid"],
                         "stop_grace_period": grace},
            "stubdaemon": {"command": [h.PY, "-c", DAEMON, "ignore", "@DIR@/d2.pid"],
                           "stop_grace_period": grace},
        }
        with h.Stack(services, wrapper=fl.wrapper_for(mode)) as st:
            sv = fl.sv_pid(st)
            st.wait_for_line(r"^noterm\s+\| ignoring SIGTERM$", timeout=10)
            st.wait_for_line(r"^deaf\s+\| deaf$", timeout=10)
            st.event("nginxish", r"(completed successfully|exited with code 0)", timeout=10)
            st.event("stubdaemon", r"(completed successfully|exited with code 0)", timeout=10)
            h.wait_until(lambda: os.path.exists(st.path("d1.pid"))
                         and os.path.exists(st.path("d2.pid")), 10, "daemons running")
            ns = fl.ns_pid_map(sv)  # the pid files hold pids inside stackvisor's namespace
            daemons = [ns[int(fl.read_file(st.path(n)))] for n in ("d1.pid", "d2.pid")]
            self.assertTrue(all(h.is_alive(d) for d in daemons))
            before = len(st.leftovers())
            self.assertGreaterEqual(before, 5)  # noterm, deaf + sleep, two daemons

            t0 = time.monotonic()
            os.kill(sv, signal.SIGTERM)
            rc = st.wait_exit(GRACE_S + 10)
            stop_s = st.exit_time - t0
            try:
                h.wait_until(lambda: not st.leftovers(), 0.3, "nothing left after stop")
                left = 0
            except AssertionError:
                left = len(st.leftovers())
            fl.figure(f"stubborn_stop_{mode}_seconds", stop_s)
            fl.figure(f"stubborn_stop_{mode}_grace_seconds", GRACE_S)
            fl.figure(f"stubborn_stop_{mode}_processes_before", before)
            fl.figure(f"stubborn_stop_{mode}_left", left)
            self.assertEqual(left, 0, [(p, h.cmdline(p)) for p in st.leftovers()])
            self.assertLessEqual(stop_s, GRACE_S + 1.0, st.dump())
            self.assertGreaterEqual(stop_s, GRACE_S - 0.05, "the grace period must be honoured")
            self.assertEqual(rc, 0, st.dump())
            st.event("noterm", r"killed with SIGKILL after stop_grace_period", timeout=1)
            st.event("deaf", r"killed with SIGKILL after stop_grace_period", timeout=1)
            self.assertFalse(any(h.is_alive(d) for d in daemons))

    def test_ordinary_process(self):
        self.run_mode("ordinary")

    def test_pid1(self):
        self.run_mode("pid1")


if __name__ == "__main__":
    fl.main()
