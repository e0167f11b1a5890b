"""SIGKILL of stackvisor leaves no service running: every service's process is gone within a
deadline (PR_SET_PDEATHSIG=SIGKILL), including one that ignores SIGTERM and one in backoff."""
import os
import signal
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402


class PdeathSig(unittest.TestCase):

    def test_sigkill_of_stackvisor_kills_services(self):
        with h.Stack({
            "a": {"command": ["sleep", "1000"]},
            "b": {"command": h.py("ignore_term.py")},
            "c": {"command": ["sh", "-c", "exec sleep 1000"]},
            "d": {"command": ["sleep", "1000"], "depends_on": ["a"], "restart": "always"},
        }) as st:
            pids = [st.started_pid(n) for n in ("a", "b", "c", "d")]
            st.wait_for_line(r"^b\s+\| ignoring SIGTERM$")
            tagged = st.leftovers()
            for p in pids:
                self.assertIn(p, tagged, "service pid should carry the test tag")
            os.kill(st.pid, signal.SIGKILL)  # stackvisor only, not its process group
            st.proc.wait(timeout=10)
            h.wait_until(lambda: not any(h.is_alive(p) for p in pids), 5,
                         "all service processes gone after stackvisor was SIGKILLed")
            st.assert_no_leftovers(timeout=5)

    def test_sigkill_repeated_quickly_after_start(self):
        # the PDEATHSIG race: stackvisor dies right after spawning
        for _ in range(3):
            with h.Stack({"a": {"command": ["sleep", "1000"]},
                          "b": {"command": ["sleep", "1000"]}}) as st:
                st.wait_for_line(r"started \(pid \d+\)")
                os.kill(st.pid, signal.SIGKILL)
                st.proc.wait(timeout=10)
                st.assert_no_leftovers(timeout=5)


if __name__ == "__main__":
    h.main()
