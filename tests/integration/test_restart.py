"""Restart policies with exponential backoff, the cap, giving up with on-failure:N, stop during
a backoff wait, backoff reset after a long enough run, restart of an unhealthy service, and a
dependent's restart held while its dependency is still starting."""
import os
import re
import signal
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

RESTART_RE = r"^stackvisor\s+\| crash: restarting in (\d+) ms \(restart (\d+)\)"


class Restart(unittest.TestCase):

    def restarts(self, st):
        out = []
        for t in st.texts():
            m = re.match(RESTART_RE, t)
            if m:
                out.append((int(m.group(1)), int(m.group(2))))
        return out

    def check_gaps(self, st, delays):
        """The gap between each exit and the next start is at least the announced delay."""
        starts = [tm for tm, t in st.lines if re.match(r"^stackvisor\s+\| crash: started", t)]
        exits = [tm for tm, t in st.lines
                 if re.match(r"^stackvisor\s+\| crash: (exited|killed)", t)]
        self.assertGreaterEqual(len(starts), len(delays) + 1, st.dump())
        for i, d in enumerate(delays):
            gap = starts[i + 1] - exits[i]
            self.assertGreaterEqual(gap, d / 1000.0 * 0.8,
                                    f"restart {i + 1} came {gap:.3f}s after exit, announced {d} ms")

    def test_backoff_doubles_then_gives_up(self):
        with h.Stack({"crash": {"command": ["sh", "-c", "echo run; exit 1"],
                                "restart": "on-failure:4",
                                "restart_backoff": {"initial": "100ms", "factor": 2,
                                                    "max": "30s"}}}) as st:
            st.event("crash", r"gave up after 4 restarts", timeout=15)
            self.assertEqual(st.wait_exit(15), 1, st.dump())
            self.assertEqual(self.restarts(st), [(100, 1), (200, 2), (400, 3), (800, 4)],
                             st.dump())
            self.assertEqual(st.service_lines("crash"), ["run"] * 5)
            self.check_gaps(st, [100, 200, 400, 800])

    def test_default_backoff_is_100ms_doubling(self):
        with h.Stack({"crash": {"command": ["sh", "-c", "exit 2"], "restart": "on-failure:3"}}) as st:
            st.event("crash", r"gave up after 3 restarts", timeout=15)
            self.assertEqual(st.wait_exit(15), 1, st.dump())
            self.assertEqual(self.restarts(st), [(100, 1), (200, 2), (400, 3)], st.dump())

    def test_backoff_is_capped(self):
        with h.Stack({"crash": {"command": ["sh", "-c", "exit 1"], "restart": "on-failure:5",
                                "x-stackvisor": {"restart_backoff": {"initial": "100ms",
                                                                     "max": "300ms"}}}}) as st:
            st.event("crash", r"gave up after 5 restarts", timeout=15)
            self.assertEqual(st.wait_exit(15), 1, st.dump())
            self.assertEqual([d for d, _ in self.restarts(st)], [100, 200, 300, 300, 300],
                             st.dump())

    def test_always_restarts_exit_0_and_stop_during_backoff(self):
        with h.Stack({"crash": {"command": ["sh", "-c", "echo run; exit 0"], "restart": "always",
                                "restart_backoff": {"initial": "2s"}}}) as st:
            st.wait_for_line(RESTART_RE, timeout=10)
            st.signal(signal.SIGTERM)
            self.assertEqual(st.wait_exit(10), 0, st.dump())
            # stopping during the backoff wait does not start it again
            self.assertEqual(len([1 for t in st.texts()
                                  if re.match(r"^stackvisor\s+\| crash: started", t)]), 1,
                             st.dump())
            st.assert_no_leftovers()

    def test_restart_no_does_not_restart(self):
        with h.Stack({"crash": {"command": ["sh", "-c", "exit 1"], "restart": "no"}}) as st:
            self.assertEqual(st.wait_exit(10), 1, st.dump())
            self.assertEqual(self.restarts(st), [])

    def test_backoff_resets_after_long_run(self):
        with h.Stack({"crash": {"command": ["sh", "-c", "sleep 0.6; exit 1"],
                                "restart": "on-failure:3",
                                "restart_backoff": {"initial": "100ms", "reset_after": "300ms"}}}) as st:
            h.wait_until(lambda: len(self.restarts(st)) >= 3, 20, "3 restarts")
            st.signal(signal.SIGTERM)
            st.wait_exit(15)
            self.assertEqual([d for d, _ in self.restarts(st)][:3], [100, 100, 100], st.dump())

    def test_unhealthy_service_is_restarted(self):
        with h.Stack({"crash": {"command": ["sh", "-c", "echo run; exec sleep 1000"],
                                "restart": "always",
                                "healthcheck": {"test": ["CMD", "test", "-e", "@DIR@/alive"],
                                                "interval": "200ms", "retries": 2}}},
                     files={"alive": "x"}) as st:
            first = st.started_pid("crash")
            hi, _, _ = st.event("crash", r"healthy")
            os.unlink(st.path("alive"))
            ui, _, _ = st.event("crash", r"unhealthy", timeout=10, start=hi + 1)
            st.wait_for_line(RESTART_RE, timeout=10, start=ui)
            h.wait_until(lambda: not h.is_alive(first), 10, "unhealthy child stopped")
            st.touch("alive")
            si, _, m = st.event("crash", r"started \(pid (\d+)\)", timeout=10, start=ui)
            self.assertNotEqual(int(m.group(1)), first)
            st.event("crash", r"healthy", timeout=10, start=si)
            st.signal(signal.SIGTERM)
            self.assertEqual(st.wait_exit(15), 0, st.dump())
            st.assert_no_leftovers()

    def test_restart_is_held_while_a_dependency_is_starting(self):
        # web depends on db plainly (started), as most compose files do, and fails while db has
        # not passed its readiness check: it is not restarted again until db is healthy.
        with h.Stack({"db": {"command": ["sleep", "1000"],
                             "healthcheck": {"test": ["CMD", "test", "-e", "@DIR@/ready"],
                                             "interval": "100ms", "start_period": "60s"}},
                      "web": {"command": ["sh", "-c", "test -e @DIR@/ready || "
                                          "{ echo no db; exit 1; }; echo up; exec sleep 1000"],
                              "restart": "on-failure", "depends_on": ["db"]}}) as st:
            wi, _, _ = st.event("web", r"restart waits for db to become healthy", timeout=10)
            # Without the hold, the backoff (100, 200, 400 ms) would start web three more times.
            st.ensure_absent("web", r"restarting now", 1.0)
            self.assertEqual(st.service_lines("web"), ["no db"], st.dump())
            st.touch("ready")
            st.event("db", r"healthy after", timeout=10, start=wi)
            st.event("web", r"restarting now: db is healthy", timeout=10, start=wi)
            h.wait_until(lambda: st.service_lines("web") == ["no db", "up"], 10, "web up")
            self.assertEqual(self.restarts_of(st, "web"), [(100, 1)], st.dump())
            st.signal(signal.SIGTERM)
            self.assertEqual(st.wait_exit(15), 0, st.dump())
            st.assert_no_leftovers()

    def restarts_of(self, st, service):
        out = []
        for t in st.texts():
            m = re.match(rf"^stackvisor\s+\| {service}: restarting in (\d+) ms \(restart (\d+)\)", t)
            if m:
                out.append((int(m.group(1)), int(m.group(2))))
        return out


if __name__ == "__main__":
    h.main()
