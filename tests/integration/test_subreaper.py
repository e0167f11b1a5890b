"""Not PID 1: stackvisor is a child subreaper. A daemon double-forked by a service is re-parented
to stackvisor, short-lived orphans are reaped promptly (no zombies), and the daemon is gone after
stop."""
import os
import signal
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402


class Subreaper(unittest.TestCase):

    def test_daemon_reparented_and_stopped(self):
        with h.Stack({
            "daemonize": {"command": h.py("double_forker.py", 1, -1, "--exit", "--setsid",
                                          "--pidfile", "@DIR@/daemon.pid")},
            "keeper": {"command": ["sleep", "1000"]},
        }) as st:
            st.event("daemonize", r"(completed successfully|exited with code 0)", timeout=10)
            pidfile = st.path("daemon.pid")
            h.wait_until(lambda: os.path.exists(pidfile), 10, "daemon pid file")
            with open(pidfile) as f:
                daemon = st.host_pid(int(f.read().split()[0]))
            h.wait_until(lambda: (h.proc_stat(daemon) or (0, 0))[1] == st.pid, 5,
                         f"daemon {daemon} re-parented to stackvisor {st.pid}")
            self.assertTrue(h.is_alive(daemon))
            st.signal(signal.SIGTERM)
            self.assertEqual(st.wait_exit(15), 0, st.dump())
            self.assertFalse(h.is_alive(daemon), "daemon escaped the stop")
            # it was reaped by stackvisor, not left for init
            self.assertIsNone(h.proc_stat(daemon))
            st.assert_no_leftovers()

    def test_short_lived_orphans_reaped(self):
        with h.Stack({"orphans": {"command": h.py("double_forker.py", 100, 0.1,
                                                  "--pidfile", "@DIR@/orphans.pid")}}) as st:
            main = st.started_pid("orphans")
            st.wait_for_line(r"^orphans\s+\| forked 100 orphans$", timeout=20)
            with open(st.path("orphans.pid")) as f:
                # Those already gone have no host pid (in a PID namespace): nothing to check.
                orphans = [p for p in map(st.host_pid, map(int, f.read().split())) if p]

            def settled():
                return (not h.zombies_under(st.pid)
                        and not any(h.proc_stat(p) for p in orphans))
            h.wait_until(settled, 10, "every orphan exited and was reaped (no zombies)")
            self.assertTrue(h.is_alive(main))
            st.signal(signal.SIGTERM)
            self.assertEqual(st.wait_exit(15), 0, st.dump())
            st.assert_no_leftovers()

    def test_escaped_grandchild_stopped(self):
        # a service's child that left the service's session is still stopped with the stack
        with h.Stack({"svc": {"command": h.py("double_forker.py", 1, -1, "--setsid",
                                              "--pidfile", "@DIR@/esc.pid")}}) as st:
            st.wait_for_line(r"^svc\s+\| forked 1 orphans$", timeout=10)
            with open(st.path("esc.pid")) as f:
                esc = st.host_pid(int(f.read().split()[0]))
            self.assertTrue(h.is_alive(esc))
            st.signal(signal.SIGTERM)
            self.assertEqual(st.wait_exit(15), 0, st.dump())
            self.assertFalse(h.is_alive(esc), "escaped process left running")
            st.assert_no_leftovers()


if __name__ == "__main__":
    h.main()
