"""Exec probes and their children (issue 10 item 6).

A probe's verdict is its main process's exit status, the moment stackvisor reaps it: background
children holding the probe's pipes must not hold it back until the timeout, and the probe's
process group is SIGKILLed at that exit, so no round leaves a child behind. Each probe records
the pid of the child it puts in the background (`$!`) so the test knows every one of them.
"""
import os
import signal
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

TIMEOUT_MS = 3000


def probe_service(script, **check):
    hc = {"test": ["CMD-SHELL", script], "interval": "300ms", "timeout": f"{TIMEOUT_MS}ms"}
    hc.update(check)
    return {"command": ["sleep", "1000"], "healthcheck": hc}


def recorded_pids(st, name):
    try:
        with open(st.path(name)) as f:
            return [int(p) for p in f.read().split()]
    except FileNotFoundError:
        return []


def host_pids(st, pids):
    """The recorded (stackvisor-side) pids as host pids, less those already gone."""
    return [p for p in map(st.host_pid, pids) if p]


class ProbeChildren(unittest.TestCase):

    def healthy_ms(self, st):
        _, _, m = st.event("svc", r"healthy after (\d+) ms", timeout=15)
        return int(m.group(1))

    def test_background_child_neither_delays_nor_outlives_the_probe(self):
        # The reproduction: healthy only after the 3 s timeout, and every round's sleep
        # alive until stop.
        with h.Stack({"svc": probe_service("/bin/sleep 997 & echo $$! >> @DIR@/bg; exit 0")}) as st:
            ms = self.healthy_ms(st)
            self.assertLess(ms, TIMEOUT_MS, "the verdict waited for the background child\n"
                            + st.dump())
            # Several rounds once healthy, each putting one more sleep in the background.
            pids = h.wait_until(lambda: (lambda p: p if len(p) >= 4 else None)(
                recorded_pids(st, "bg")), 15, "4 probe rounds")
            pids = host_pids(st, pids)
            try:
                h.wait_until(lambda: not [p for p in pids if h.is_alive(p)], 5,
                             "every probe round's background sleep to be gone")
            except AssertionError:
                alive = [(p, h.proc_stat(p), h.cmdline(p)) for p in pids if h.is_alive(p)]
                raise AssertionError(f"probe children alive: {alive}\n{st.dump()}")
            st.signal(signal.SIGTERM)
            self.assertEqual(st.wait_exit(15), 0, st.dump())
            st.assert_no_leftovers()

    def test_child_that_left_the_group_does_not_delay_the_verdict(self):
        # setsid(1) as a background job does not fork: the sleep leaves the probe's group and
        # holds its pipes. The group kill cannot reach it (it is re-parented to stackvisor, the
        # child subreaper); the verdict still comes at the shell's exit, and stop removes it.
        with h.Stack({"svc": probe_service(
                "setsid /bin/sleep 997 & echo $$! >> @DIR@/bg; exit 0")}) as st:
            ms = self.healthy_ms(st)
            self.assertLess(ms, TIMEOUT_MS, "the verdict waited for the escaped child\n"
                            + st.dump())
            pids = h.wait_until(lambda: (lambda p: p if len(p) >= 3 else None)(
                recorded_pids(st, "bg")), 15, "3 probe rounds")
            pids = host_pids(st, pids)
            st.signal(signal.SIGTERM)
            self.assertEqual(st.wait_exit(15), 0, st.dump())
            self.assertEqual([p for p in pids if h.is_alive(p)], [], st.dump())
            st.assert_no_leftovers()

    def test_timed_out_probe_loses_its_whole_group(self):
        # Each attempt records its group (the shell's pid: probes run in their own session).
        with h.Stack({"svc": probe_service(
                "echo $$$$ >> @DIR@/groups; /bin/sleep 997 & /bin/sleep 998",
                timeout="300ms", start_period="0s", start_interval="100ms", retries=2)}) as st:
            st.event("svc", r"failed: never became healthy: timed out after 300ms", timeout=15)
            groups = recorded_pids(st, "groups")
            self.assertGreaterEqual(len(groups), 2, st.dump())

            def members():
                return [p for p in h.all_pids()
                        if st.seen_pgid(p) in groups and h.is_alive(p)]
            try:
                h.wait_until(lambda: not members(), 5, "every timed-out probe group to be gone")
            except AssertionError:
                left = [(p, h.proc_stat(p), h.cmdline(p)) for p in members()]
                raise AssertionError(f"probe group members alive: {left}\n{st.dump()}")
            st.signal(signal.SIGTERM)
            st.wait_exit(15)
            st.assert_no_leftovers()


if __name__ == "__main__":
    h.main()
