"""Start order and readiness gating, one test per probe kind.

For each kind the dependency becomes ready only after the test creates a gate file. Asserted:
the dependent is not started while the dependency is not ready; after the gate, the dependency's
"healthy" line comes before the dependent's "started" line, and the dependent started after the
gate was opened.
"""
import os
import signal
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

GATE = "@DIR@/gate"
WAIT_GATE = f'while [ ! -e {GATE} ]; do sleep 0.05; done; '
APP = {"command": ["sh", "-c", "echo app-up; exec sleep 1000"],
       "depends_on": {"dep": {"condition": "service_healthy"}}}


class ReadinessGating(unittest.TestCase):

    def gated(self, dep, not_ready_evidence=None, window=0.8):
        """Run dep + app(depends_on dep healthy); open the gate; check the ordering."""
        with h.Stack({"dep": dep, "app": APP}) as st:
            st.started_pid("dep")
            if not_ready_evidence:
                not_ready_evidence(st)
            st.ensure_absent("app", "started", window)
            self.assertFalse(st.has_event("dep", "healthy"), st.dump())
            t_gate = time.monotonic()
            st.touch("gate")
            hi, ht, _ = st.event("dep", r"healthy", timeout=10)
            ai, at, _ = st.event("app", r"started", timeout=10)
            self.assertLess(hi, ai, "dependent started before the dependency was healthy\n"
                            + st.dump())
            self.assertGreaterEqual(at, t_gate)
            st.wait_for_line(r"^app\s+\| app-up$", timeout=10)
            st.signal(signal.SIGTERM)
            self.assertEqual(st.wait_exit(15), 0, st.dump())
            st.assert_no_leftovers()
            return st

    def probes_ran(self, n):
        """Evidence that the exec probe failed at least n times before the gate."""
        def check(st):
            def count():
                try:
                    with open(st.path("probes")) as f:
                        return len(f.read().split())
                except FileNotFoundError:
                    return 0
            h.wait_until(lambda: count() >= n, 10, f"{n} failed probes")
        return check

    def test_exec_cmd(self):
        self.gated({"command": ["sleep", "1000"],
                    "healthcheck": {"test": ["CMD", "sh", "-c",
                                             f"echo p >> @DIR@/probes; test -e {GATE}"]}},
                   self.probes_ran(3))

    def test_cmd_shell(self):
        self.gated({"command": ["sleep", "1000"],
                    "healthcheck": {"test": ["CMD-SHELL", f"echo p >> @DIR@/probes; test -e {GATE}"]}},
                   self.probes_ran(3))

    def test_string_test(self):
        # a plain string `test` is run by a shell, like CMD-SHELL
        self.gated({"command": ["sleep", "1000"],
                    "healthcheck": {"test": f"echo p >> @DIR@/probes; test -e {GATE}"}},
                   self.probes_ran(3))

    def test_tcp(self):
        port = h.free_port()
        self.gated({"command": h.py("gate_server.py", GATE, port),
                    "healthcheck": {"tcp": f"127.0.0.1:{port}"}},
                   lambda st: st.wait_for_line(r"^dep\s+\| waiting for gate$"))

    def test_http(self):
        port = h.free_port()
        self.gated({"command": ["sh", "-c", WAIT_GATE
                                + f"exec {h.PY} -m http.server {port} --bind 127.0.0.1"],
                    "healthcheck": {"http": f"http://127.0.0.1:{port}/"}})

    def test_log_line(self):
        st = self.gated({"command": ["sh", "-c", "echo booting; echo not yet ready; " + WAIT_GATE
                                     + "echo 'db: ready to accept connections'; exec sleep 1000"],
                         "healthcheck": {"log": "ready to accept"}},
                        lambda st: st.wait_for_line(r"^dep\s+\| not yet ready$"))
        # healthy comes after (never before) the matching line is seen
        li = st.find_line(r"^dep\s+\| db: ready to accept connections$")
        hi = st.find_line(r"^stackvisor\s+\| dep: healthy")
        self.assertIsNotNone(li)
        self.assertGreater(hi[0], li[0])

    def test_notify(self):
        st = self.gated({"command": h.py("notify_sender.py", "--wait-file", GATE),
                         "healthcheck": {"notify": True}},
                        lambda st: st.wait_for_line(r"^dep\s+\| NOTIFY_SOCKET="))
        sock = st.service_lines("dep")[0].split("=", 1)[1]
        self.assertTrue(sock.startswith("@"), f"NOTIFY_SOCKET should be abstract: {sock}")

    def test_notify_in_x_stackvisor_block(self):
        # the additions are also valid inside `x-stackvisor:` (file stays valid for compose)
        self.gated({"command": h.py("notify_sender.py", "--wait-file", GATE),
                    "x-stackvisor": {"healthcheck": {"notify": True}}},
                   lambda st: st.wait_for_line(r"^dep\s+\| NOTIFY_SOCKET="))

    def test_notify_from_other_pid_is_ignored(self):
        # READY=1 counts only from the service's own pid (a forked child sends it here)
        with h.Stack({"dep": {"command": h.py("notify_sender.py", "--from-child"),
                              "healthcheck": {"notify": True}},
                      "app": APP}) as st:
            st.wait_for_line(r"^dep\s+\| sent READY=1$")
            st.ensure_absent("dep", "healthy", 1.0)
            self.assertFalse(st.has_event("app", "started"), st.dump())

    def test_never_healthy_fails_dependents(self):
        # after start_period, `retries` consecutive failures: never healthy -> dependents fail
        with h.Stack({"dep": {"command": ["sleep", "1000"],
                              "healthcheck": {"test": ["CMD", "false"], "interval": "200ms",
                                              "retries": 2, "start_period": "300ms",
                                              "start_interval": "100ms"}},
                      "app": APP}) as st:
            st.event("app", r"not started: dependency dep\b", timeout=15)
            self.assertFalse(st.has_event("app", r"started"), st.dump())
            self.assertEqual(st.wait_exit(15), 1, st.dump())
            st.assert_no_leftovers()

    def test_parallel_start_and_chain(self):
        # a, b have no deps (both start at once); c needs both healthy; d needs c started
        hc = {"test": ["CMD", "test", "-e", GATE]}
        with h.Stack({"a": {"command": ["sleep", "1000"], "healthcheck": hc},
                      "b": {"command": ["sleep", "1000"]},
                      "c": {"command": ["sleep", "1000"],
                            "depends_on": {"a": {"condition": "service_healthy"},
                                           "b": {"condition": "service_started"}}},
                      "d": {"command": ["sleep", "1000"], "depends_on": ["c"]}}) as st:
            st.started_pid("a")
            st.started_pid("b")
            st.ensure_absent("c", "started", 0.5)
            self.assertFalse(st.has_event("d", "started"))
            st.touch("gate")
            ai, _, _ = st.event("a", "healthy")
            ci, _, _ = st.event("c", "started")
            di, _, _ = st.event("d", "started")
            self.assertLess(ai, ci)
            self.assertLess(ci, di)
            st.wait_for_line(r"^stackvisor\s+\| all services ready", timeout=10)
            st.signal(signal.SIGTERM)
            self.assertEqual(st.wait_exit(15), 0, st.dump())


if __name__ == "__main__":
    h.main()
