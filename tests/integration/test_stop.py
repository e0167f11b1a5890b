"""Stopping: reverse dependency order on SIGTERM/SIGINT with exit 0; SIGKILL escalation after
stop_grace_period for a child ignoring SIGTERM; a second SIGINT kills at once; stop_signal is
honoured and sent to the service's process group."""
import os
import re
import signal
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402


class Stop(unittest.TestCase):

    def index_of(self, st, service, what):
        r = st.find_line(rf"^stackvisor\s+\| {service}: {what}")
        self.assertIsNotNone(r, f"no '{service}: {what}' line\n{st.dump()}")
        return r[0]

    def test_reverse_dependency_order(self):
        with h.Stack({
            "db": {"command": ["sleep", "1000"]},
            "app": {"command": ["sleep", "1000"], "depends_on": ["db"]},
            "web": {"command": ["sleep", "1000"], "depends_on": {"app": {"condition": "service_started"}}},
            "solo": {"command": ["sleep", "1000"]},
        }) as st:
            for n in ("db", "app", "web", "solo"):
                st.started_pid(n)
            st.signal(signal.SIGTERM)
            self.assertEqual(st.wait_exit(15), 0, st.dump())
            st.wait_for_line(r"^stackvisor\s+\| stopping \(SIGTERM received\)", timeout=1)
            web, app, db = (self.index_of(st, n, r"stopping") for n in ("web", "app", "db"))
            self.assertLess(web, app, st.dump())
            self.assertLess(app, db, st.dump())
            # a dependency is stopped only once its dependents have stopped
            self.assertLess(self.index_of(st, "web", r"stopped"), app, st.dump())
            self.assertLess(self.index_of(st, "app", r"stopped"), db, st.dump())
            self.assertRegex(st.texts()[-1], r"^stackvisor\s+\| stopped$")
            st.assert_no_leftovers()

    def test_sigint_stops_with_exit_0(self):
        with h.Stack({"a": {"command": ["sleep", "1000"]}}) as st:
            st.started_pid("a")
            st.signal(signal.SIGINT)
            self.assertEqual(st.wait_exit(15), 0, st.dump())
            st.event("a", r"stopping \(SIGTERM\)")
            st.event("a", r"stopped \(killed by SIGTERM\)")
            st.assert_no_leftovers()

    def test_sigkill_after_grace_period(self):
        with h.Stack({"stubborn": {"command": h.py("ignore_term.py"), "stop_grace_period": "1s"}}) as st:
            pid = st.started_pid("stubborn")
            st.wait_for_line(r"^stubborn\s+\| ignoring SIGTERM$")
            t0 = time.monotonic()
            st.signal(signal.SIGTERM)
            self.assertEqual(st.wait_exit(15), 0, st.dump())
            took = time.monotonic() - t0
            self.assertGreaterEqual(took, 1.0, st.dump())
            self.assertLess(took, 4.0, st.dump())
            st.event("stubborn", r"killed with SIGKILL after stop_grace_period 1s", timeout=1)
            st.event("stubborn", r"stopped \(killed by SIGKILL\)", timeout=1)
            self.assertFalse(h.is_alive(pid))
            st.assert_no_leftovers()

    def test_second_sigint_kills_at_once(self):
        with h.Stack({"stubborn": {"command": h.py("ignore_term.py"), "stop_grace_period": "60s"}}) as st:
            pid = st.started_pid("stubborn")
            st.wait_for_line(r"^stubborn\s+\| ignoring SIGTERM$")
            st.signal(signal.SIGINT)
            st.event("stubborn", r"stopping", timeout=5)
            self.assertTrue(h.is_alive(pid))
            t0 = time.monotonic()
            st.signal(signal.SIGINT)
            rc = st.wait_exit(10)
            self.assertLess(time.monotonic() - t0, 3.0, st.dump())
            self.assertEqual(rc, 0, st.dump())
            self.assertFalse(h.is_alive(pid))
            st.assert_no_leftovers()

    def test_stop_signal_honoured(self):
        with h.Stack({"rec": {"command": h.py("sig_recorder.py", "@DIR@/got"),
                              "stop_signal": "SIGUSR1"},
                      "rec2": {"command": h.py("sig_recorder.py", "@DIR@/got2"),
                               "stop_signal": "SIGINT"}}) as st:
            st.wait_for_line(r"^rec\s+\| recording signals$")
            st.wait_for_line(r"^rec2\s+\| recording signals$")
            st.signal(signal.SIGTERM)
            self.assertEqual(st.wait_exit(15), 0, st.dump())
            with open(st.path("got")) as f:
                self.assertEqual(f.read(), "SIGUSR1")
            with open(st.path("got2")) as f:
                self.assertEqual(f.read(), "SIGINT")
            st.event("rec", r"stopping \(SIGUSR1\)", timeout=1)
            st.event("rec", r"stopped \(exited with code 0\)", timeout=1)

    def test_stop_signal_reaches_process_group(self):
        # sh does not forward SIGTERM to its child; the signal to the group reaches both
        with h.Stack({"grp": {"command": ["sh", "-c", "sleep 1000 & echo child $$!; wait"]}}) as st:
            _, _, m = st.wait_for_line(r"^grp\s+\| child (\d+)$")
            child = st.host_pid(int(m.group(1)))
            self.assertTrue(h.is_alive(child))
            st.signal(signal.SIGTERM)
            self.assertEqual(st.wait_exit(15), 0, st.dump())
            h.wait_until(lambda: not h.is_alive(child), 5, "sleep in the service's group gone")
            st.assert_no_leftovers()

    def test_stop_while_starting(self):
        # SIGTERM while a dependent still waits for readiness: nothing new starts, exit 0
        with h.Stack({"db": {"command": ["sleep", "1000"],
                             "healthcheck": {"test": ["CMD", "false"]}},
                      "web": {"command": ["sleep", "1000"],
                              "depends_on": {"db": {"condition": "service_healthy"}}}}) as st:
            st.started_pid("db")
            st.signal(signal.SIGTERM)
            self.assertEqual(st.wait_exit(15), 0, st.dump())
            self.assertFalse(st.has_event("web", r"started"), st.dump())
            st.assert_no_leftovers()


if __name__ == "__main__":
    h.main()
