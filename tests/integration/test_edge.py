"""Edge cases: an exec probe that hangs is killed at its timeout and counts as a failure; a
probe still running at stop is not left behind; an idle stack does not poll (no wake-ups);
readiness is seen fast (start_interval default 100 ms)."""
import os
import signal
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402


def procs_with_cmdline(text):
    return [p for p in h.all_pids() if text in h.cmdline(p) and h.is_alive(p)]


def wakeups(pid):
    """Total context switches over all threads of pid."""
    total = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/status") as f:
                for line in f:
                    if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total


class Edge(unittest.TestCase):

    def test_hung_probe_times_out(self):
        marker = "37.25"  # unique sleep duration to find the probe processes
        with h.Stack({"dep": {"command": ["sleep", "1000"],
                              "healthcheck": {"test": ["CMD", "sleep", marker],
                                              "timeout": "200ms", "interval": "200ms",
                                              "retries": 2, "start_period": "0s"}},
                      "app": {"command": ["sleep", "1000"],
                              "depends_on": {"dep": {"condition": "service_healthy"}}}}) as st:
            st.event("app", r"not started: dependency dep\b", timeout=15)
            self.assertEqual(st.wait_exit(15), 1, st.dump())
            h.wait_until(lambda: not procs_with_cmdline("sleep " + marker), 5,
                         "timed-out probe processes killed")

    def test_running_probe_not_left_behind_on_stop(self):
        marker = "38.75"
        with h.Stack({"dep": {"command": ["sleep", "1000"],
                              "healthcheck": {"test": ["CMD", "sleep", marker],
                                              "timeout": "60s"}}}) as st:
            st.started_pid("dep")
            h.wait_until(lambda: procs_with_cmdline("sleep " + marker), 10, "probe running")
            st.signal(signal.SIGTERM)
            self.assertEqual(st.wait_exit(10), 0, st.dump())
            h.wait_until(lambda: not procs_with_cmdline("sleep " + marker), 5,
                         "probe process gone after stop")

    def test_idle_means_idle(self):
        with h.Stack({"a": {"command": ["sleep", "1000"]},
                      "b": {"command": ["sleep", "1000"],
                            "healthcheck": {"test": ["CMD", "true"], "interval": "1h"}}}) as st:
            st.event("b", "healthy", timeout=10)
            st.wait_for_line(r"^stackvisor\s+\| all services ready", timeout=10)
            time.sleep(0.3)  # let start-up settle
            before = wakeups(st.pid)
            time.sleep(2.0)  # measuring idleness needs a window
            after = wakeups(st.pid)
            st.signal(signal.SIGTERM)
            self.assertEqual(st.wait_exit(10), 0, st.dump())
            self.assertLessEqual(after - before, 4, f"{after - before} wake-ups in 2 s while idle")

    def test_readiness_seen_fast(self):
        port = h.free_port()
        with h.Stack({"dep": {"command": h.py("gate_server.py", "@DIR@/gate", port),
                              "healthcheck": {"tcp": f"127.0.0.1:{port}"}}}) as st:
            st.wait_for_line(r"^dep\s+\| waiting for gate$")
            st.touch("gate")
            _, t_listen, _ = st.wait_for_line(r"^dep\s+\| listening$")
            _, t_healthy, _ = st.event("dep", "healthy")
            self.assertLess(t_healthy - t_listen, 0.6, "readiness should be seen within ~100 ms")
            st.signal(signal.SIGTERM)
            self.assertEqual(st.wait_exit(10), 0, st.dump())


if __name__ == "__main__":
    h.main()
